import { parseArgs } from 'node:util';
import { ADMIN_TARGET_PREFIX } from '../gateway/pipeline.js';
import { CALL_OPTIONS, resolveCallTarget, signedCall } from './signed-call.js';

export const AUDIT_USAGE = `Usage: berth audit [--user <name>] [--resource <name>] [--since <time>] [--until <time>] [--limit <n>] [--json]
                   [--endpoint-url <url>] [--region <region>] [--ca-bundle <pem>] [--data-dir <dir>]

Reads the audit trail of the running berth: every call that may change something
and every refused one, with its time, user, access key, source address, operation,
resource, outcome and request id (oldest first; the newest --limit, default 1000).
Times are ISO 8601 (2026-12-04T10:00:00Z) or epoch seconds. Signed with the root key.`;

interface AuditEvent {
  time: number;
  userName: string;
  accessKeyId: string;
  sourceIp: string;
  operation: string;
  resource?: string;
  status: number;
  errorType?: string;
  requestId: string;
}

export async function audit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CALL_OPTIONS,
      user: { type: 'string' },
      resource: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${AUDIT_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`${AUDIT_USAGE}\n`);
    return 2;
  }
  const time = (value: string | undefined) => (value === undefined ? undefined : /^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  const input = {
    ...(values.user === undefined ? {} : { userName: values.user }),
    ...(values.resource === undefined ? {} : { resourceName: values.resource }),
    ...(values.since === undefined ? {} : { since: time(values.since) }),
    ...(values.until === undefined ? {} : { until: time(values.until) }),
    ...(values.limit === undefined ? {} : { limit: Number(values.limit) }),
  };
  const result = (await signedCall(await resolveCallTarget(values), `${ADMIN_TARGET_PREFIX}GetAuditEvents`, input)) as { auditEvents: AuditEvent[] };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result.auditEvents, null, 2)}\n`);
    return 0;
  }
  for (const event of result.auditEvents) {
    const outcome = event.errorType ? `${event.status} ${event.errorType}` : String(event.status);
    const fields = [new Date(event.time * 1000).toISOString(), event.userName, event.accessKeyId, event.sourceIp, event.operation, event.resource ?? '-', outcome, event.requestId];
    process.stdout.write(`${fields.join('\t')}\n`);
  }
  return 0;
}
