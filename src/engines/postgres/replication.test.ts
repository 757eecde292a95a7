import { createOpensslTls } from '../conformance/tls.js';
import { describeWhenAvailable } from '../conformance/prerequisites.js';
import { describeReplicationConformance } from '../conformance/replication-suite.js';
import { conformanceSubject, missingPostgres } from './test-blueprints.js';

for (const blueprintId of ['postgres_17', 'postgres_16']) {
  describeWhenAvailable(`${blueprintId} replication`, missingPostgres(blueprintId), () =>
    describeReplicationConformance(blueprintId, conformanceSubject(blueprintId), createOpensslTls),
  );
}
