import type { Logger } from '../util/logger.js';

export interface RequestRecord {
  requestId: string;
  operation: string;
  region: string | undefined;
  status: number;
  errorType: string | undefined;
  durationMs: number;
}

/** One structured line per API request; bodies (and so secrets) are never logged. */
export interface RequestLog {
  request(record: RequestRecord): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export function requestLogFrom(logger: Logger, observers: Array<(record: RequestRecord) => void> = []): RequestLog {
  return {
    request(record) {
      logger.info('request', { ...record, durationMs: Math.round(record.durationMs * 1000) / 1000 });
      for (const observe of observers) observe(record);
    },
    error(message, fields) {
      logger.error(message, fields);
    },
  };
}
