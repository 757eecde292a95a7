import { describeWhenAvailable } from '../conformance/prerequisites.js';
import { describeReplicationConformance } from '../conformance/replication-suite.js';
import { createOpensslTls } from '../conformance/tls.js';
import { conformanceSubject, MARIADB_BLUEPRINT, missingMariadb } from './test-subject.js';

describeWhenAvailable('MysqlDriver replication (MariaDB)', missingMariadb, () =>
  describeReplicationConformance(`mysql ${MARIADB_BLUEPRINT!.blueprintId} (MariaDB ${MARIADB_BLUEPRINT!.engineVersion})`, conformanceSubject, createOpensslTls),
);
