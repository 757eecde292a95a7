import { startBerth } from '../app.js';
import { ConfigError, parseServeArgs } from '../config.js';
import { createLogger, parseLogLevel } from '../util/logger.js';

export const SERVE_USAGE = `Usage: berth serve [options]

Options (each also read from the environment variable in brackets):
  --host <addr>             bind address of the API [BERTH_HOST] (default 127.0.0.1)
  --port <n>                API port [BERTH_PORT] (default 8080; 0 picks a free one)
  --data-dir <dir>          metadata, CAs, engines and databases [BERTH_DATA_DIR]
                            (default /var/lib/berth as root, else ~/.local/share/berth)
  --region <name>           default region for unsigned tools [BERTH_REGION] (default us-east-1)
  --advertise-host <host>   address in masterEndpoint and the server certificates
                            [BERTH_ADVERTISE_HOST] (default localhost)
  --database-ports <a-b>    ports handed to database servers [BERTH_DATABASE_PORTS] (default 54320-54999)
  --page-size <n>           items per page of paginated operations [BERTH_PAGE_SIZE] (default 25)
  --public-listen-addresses <a,b>
                            where publicly accessible databases listen besides loopback
                            [BERTH_PUBLIC_LISTEN_ADDRESSES] (default *: every interface)
  --maintenance-interval-ms <n>
                            how often pending maintenance is checked [BERTH_MAINTENANCE_INTERVAL_MS] (default 30000)
  --stop-databases-on-exit  stop every database server when berth exits (default: they keep running)

Credentials: BERTH_ACCESS_KEY_ID and BERTH_SECRET_ACCESS_KEY, or a pair generated at
first start and kept in <data-dir>/credentials.json.`;

export async function serve(argv: string[]): Promise<number> {
  let config;
  try {
    config = parseServeArgs(argv);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${SERVE_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const logger = createLogger(parseLogLevel(process.env.BERTH_LOG_LEVEL));
  const berth = await startBerth(config, logger);
  const { accessKeyId, secretAccessKey, source } = berth.credentials;
  const secretShown = source === 'environment' ? '(from BERTH_SECRET_ACCESS_KEY)' : secretAccessKey;
  const where = source === 'environment' ? 'environment' : `${config.dataDir}/credentials.json`;
  const awsEnv = `AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${source === 'environment' ? '$BERTH_SECRET_ACCESS_KEY' : `'${secretAccessKey}'`}`;
  process.stdout.write(
    [
      `berth: Lightsail-compatible managed databases`,
      `  data dir:          ${config.dataDir}`,
      `  account:           ${berth.accountId}`,
      `  access key id:     ${accessKeyId}`,
      `  secret access key: ${secretShown}   (${where})`,
      `  CA bundle:         ${berth.url}/certificates/global-bundle.pem`,
      `  console:           ${berth.url}/console   (sign in with the key pair above)`,
      `  try:               ${awsEnv} aws lightsail get-relational-databases --endpoint-url ${berth.url} --region ${config.defaultRegion}`,
      `berth listening on ${berth.url}`,
      '',
    ].join('\n'),
  );

  let signals = 0;
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) process.exit(130);
      logger.info('shutting down', { signal });
      berth.close().then(resolve, (error) => {
        logger.error('shutdown failed', { error });
        resolve();
      });
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return 0;
}
