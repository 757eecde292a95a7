// Types of api.js for TypeScript callers (the tests); not served.
export const TARGET_PREFIX: string;
export const SERVICE: string;
export class ApiError extends Error {
  constructor(fields: { status: number; type: string; code: string; message: string; tip?: string; requestId?: string });
  status: number;
  type: string;
  code: string;
  tip: string | undefined;
  requestId: string | undefined;
}
export interface ClientOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  endpoint?: string;
}
export interface Client {
  call(operation: string, input?: Record<string, unknown>): Promise<Record<string, any>>;
  all(operation: string, input: Record<string, unknown>, listKey: string): Promise<Array<Record<string, any>>>;
  region: string;
  accessKeyId: string;
}
export function createClient(options: ClientOptions): Client;
