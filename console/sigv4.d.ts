// Types of sigv4.js for TypeScript callers (the tests); not served.
export interface SignableRequest {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
}
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface Scope {
  region: string;
  service: string;
  date?: Date;
}
export function toHex(buffer: ArrayBuffer | Uint8Array): string;
export function sha256Hex(data: string | Uint8Array): Promise<string>;
export function hmacSha256(key: string | Uint8Array, data: string | Uint8Array): Promise<ArrayBuffer>;
export function deriveSigningKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Promise<ArrayBuffer>;
export function amzDate(date: Date): string;
export function uriEncode(value: string): string;
export function canonicalUri(pathname: string): string;
export function canonicalQuery(searchParams: Iterable<[string, string]>): string;
export function signRequest(request: SignableRequest, credentials: Credentials, scope: Scope): Promise<Record<string, string>>;
