export {
  CA_DEFINITIONS,
  CA_IDENTIFIERS,
  DEFAULT_CA_IDENTIFIER,
  UnknownCaIdentifierError,
  caDefinition,
  isCaIdentifier,
  type CaDefinition,
  type CaKeyType,
  type ServerKeyType,
} from './ca-definitions.js';
export {
  DEFAULT_SERVER_CERT_VALIDITY_DAYS,
  certificateInfo,
  isExpiring,
  normalizeServerCertificateRequest,
  serverCertificateRequestFor,
  type CertificateInfo,
  type ServerCertificateRequest,
} from './certificates.js';
export { ServerKeyPool, type ServerKeyPoolOptions } from './key-pool.js';
export {
  CA_CERT_FILE,
  CA_KEY_FILE,
  CaRegistry,
  DEFAULT_SERVER_KEY_POOL_SIZE,
  type CaRegistryOptions,
  type IssuedServerCertificate,
} from './registry.js';
