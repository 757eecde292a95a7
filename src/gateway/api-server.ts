/**
 * The API's listening socket: plain HTTP on loopback, HTTPS on any other
 * address or when asked (config.ts apiScheme). Under HTTPS the port speaks
 * nothing else: a plain-HTTP request fails the handshake and gets no answer.
 *
 * The certificate is berth's own, issued by its default CA for the
 * advertised host and the bind address and renewed well before it expires,
 * or the operator's files (--tls-cert, --tls-key), re-read when they change.
 * Either way a new certificate goes in with setSecureContext: connections
 * already open carry on, new ones get it.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { apiScheme, ConfigError, type BerthConfig } from '../config.js';
import { DEFAULT_CA_IDENTIFIER, serverCertificateRequestFor, type CaRegistry } from '../pki/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

const DAY_MS = 86_400_000;
/** berth's own API certificate is replaced this long before it expires (it is valid for 397 days). */
export const API_CERTIFICATE_RENEW_BEFORE_MS = 30 * DAY_MS;
const CERTIFICATE_CHECK_INTERVAL_MS = 3_600_000;

interface ApiCertificate {
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

export type ApiServerConfig = Pick<BerthConfig, 'host' | 'port' | 'tls' | 'tlsCert' | 'tlsKey' | 'insecureHttp' | 'advertiseHost'>;

export interface ApiServerOptions {
  config: ApiServerConfig;
  cas: CaRegistry;
  clock: Clock;
  logger: Logger;
  handler: http.RequestListener;
}

export class ApiServer {
  private timer: NodeJS.Timeout | undefined;
  private certificate: ApiCertificate | undefined;

  private constructor(
    readonly server: http.Server | https.Server,
    readonly scheme: 'http' | 'https',
    private readonly options: ApiServerOptions,
  ) {}

  static async listen(options: ApiServerOptions): Promise<ApiServer> {
    const scheme = apiScheme(options.config);
    let api: ApiServer;
    if (scheme === 'https') {
      const certificate = await obtainCertificate(options);
      api = new ApiServer(https.createServer(secureOptions(certificate), options.handler), scheme, options);
      api.certificate = certificate;
    } else {
      api = new ApiServer(http.createServer(options.handler), scheme, options);
    }
    const { server } = api;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.config.port, options.config.host, () => resolve());
    });
    if (scheme === 'https') {
      api.timer = setInterval(() => {
        api.renewIfDue().catch((error) => options.logger.error('could not renew the API certificate', { error }));
      }, CERTIFICATE_CHECK_INTERVAL_MS);
      api.timer.unref();
    }
    return api;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const host = this.options.config.host.includes(':') ? `[${this.options.config.host}]` : this.options.config.host;
    return `${this.scheme}://${host}:${this.port}`;
  }

  /** The certificate served now (undefined for plain HTTP). */
  get certificatePem(): string | undefined {
    return this.certificate?.certPem;
  }

  /**
   * Takes a new certificate when berth's own is within 30 days of expiring
   * (on berth's clock), or the operator's files have changed; whether it did.
   */
  async renewIfDue(): Promise<boolean> {
    const current = this.certificate;
    if (!current || !(this.server instanceof https.Server)) return false;
    const { config, clock, logger } = this.options;
    let next: ApiCertificate;
    if (config.tlsCert !== undefined) {
      next = await readOperatorCertificate(config);
      if (next.certPem === current.certPem && next.keyPem === current.keyPem) return false;
    } else {
      if (current.notAfter.getTime() - clock.now().getTime() > API_CERTIFICATE_RENEW_BEFORE_MS) return false;
      next = await issueCertificate(this.options);
    }
    this.server.setSecureContext(secureOptions(next));
    this.certificate = next;
    logger.info('the API certificate was renewed', { notAfter: next.notAfter.toISOString(), previousNotAfter: current.notAfter.toISOString() });
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}

function secureOptions(certificate: ApiCertificate): tls.SecureContextOptions {
  return { cert: certificate.certPem, key: certificate.keyPem, minVersion: 'TLSv1.2' };
}

function obtainCertificate(options: ApiServerOptions): Promise<ApiCertificate> {
  return options.config.tlsCert !== undefined ? readOperatorCertificate(options.config) : issueCertificate(options);
}

/** berth's own: for every name a client may reach the API by (loopback, the advertised host, the bind address). */
async function issueCertificate({ config, cas }: ApiServerOptions): Promise<ApiCertificate> {
  const reachableAs = [config.advertiseHost, config.host].filter((host) => host !== '0.0.0.0' && host !== '::');
  const issued = await cas.issueServerCertificate(DEFAULT_CA_IDENTIFIER, serverCertificateRequestFor(config.advertiseHost, reachableAs));
  return { certPem: issued.certPem, keyPem: issued.keyPem, notAfter: issued.notAfter };
}

async function readOperatorCertificate(config: ApiServerConfig): Promise<ApiCertificate> {
  const read = async (file: string, flag: string) => {
    try {
      return await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`--${flag} ${file} cannot be read: ${(error as Error).message}`);
    }
  };
  const certPem = await read(config.tlsCert!, 'tls-cert');
  const keyPem = await read(config.tlsKey!, 'tls-key');
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(certPem).validTo);
    tls.createSecureContext({ cert: certPem, key: keyPem });
  } catch (error) {
    throw new ConfigError(`--tls-cert ${config.tlsCert} and --tls-key ${config.tlsKey} are not a certificate and its key: ${(error as Error).message}`);
  }
  return { certPem, keyPem, notAfter };
}
