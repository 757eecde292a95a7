import type { Sqlite } from './database.js';
import type { SecretBox } from './secret-box.js';

export interface ServerCertificateRecord {
  caCertificateIdentifier: string;
  certificatePem: string;
  keyPem: string;
  notAfter: number;
}

/** The certificate and key each instance serves (the key encrypted at rest). */
export class CertificateRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly box: SecretBox,
  ) {}

  get(instanceId: string): ServerCertificateRecord | undefined {
    const row = this.db
      .prepare('SELECT ca_certificate_identifier, certificate_pem, key_ciphertext, not_after FROM instance_certificates WHERE instance_id = ?')
      .get(instanceId) as
      | { ca_certificate_identifier: string; certificate_pem: string; key_ciphertext: string; not_after: number }
      | undefined;
    return (
      row && {
        caCertificateIdentifier: row.ca_certificate_identifier,
        certificatePem: row.certificate_pem,
        keyPem: this.box.open(row.key_ciphertext),
        notAfter: row.not_after,
      }
    );
  }

  set(instanceId: string, record: ServerCertificateRecord): void {
    this.db
      .prepare(
        `INSERT INTO instance_certificates (instance_id, ca_certificate_identifier, certificate_pem, key_ciphertext, not_after)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE SET ca_certificate_identifier = excluded.ca_certificate_identifier,
           certificate_pem = excluded.certificate_pem, key_ciphertext = excluded.key_ciphertext, not_after = excluded.not_after`,
      )
      .run(instanceId, record.caCertificateIdentifier, record.certificatePem, this.box.seal(record.keyPem), record.notAfter);
  }
}
