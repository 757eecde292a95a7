export {
  MAX_POLICY_BYTES,
  PolicyError,
  parsePolicy,
  type ConditionClause,
  type PolicyDocument,
  type PolicyStatement,
} from './policy-document.js';
export { conditionMatches, contextValues, type ContextValue, type RequestContextValues } from './conditions.js';
export { evaluate, type AuthorizationRequest, type Decision } from './evaluate.js';
