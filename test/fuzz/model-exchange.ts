import { CONTENT_TYPE, type Exchange } from './harness.js';
import { toJsonText } from './json-text.js';
import { buildInput, type Expectation, type ModelCase } from './model-cases.js';
import { targetOf } from './model-shapes.js';

/** The signed request of a model case, with the rules its answer must meet. */
export function modelExchange(c: ModelCase, expectation: Expectation): Exchange {
  const text = toJsonText(buildInput(c));
  return {
    label: `${c.operation}${c.poison ? ` [poison: ${c.poison.label}]` : ''}`,
    lines: [['content-type', CONTENT_TYPE], ['x-amz-target', targetOf(c.operation)]],
    body: Buffer.from(text, 'utf8'),
    // Signed, valid JSON object, known target: it reaches the model validation, so front-end errors are findings
    // (except the size limit, an InvalidInputException as well).
    rules: {
      errors: ['InvalidInputException', 'NotFoundException', 'OperationFailureException'],
      success: expectation !== 'refuse',
      pathsInSuccess: c.operation === 'GetRelationalDatabaseLogEvents',
    },
    expectation,
    operation: c.operation,
  };
}
