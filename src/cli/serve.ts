import { startBerth } from '../app.js';
import { ConfigError, parseServeArgs, serveUsage } from '../config.js';
import { createLogger, parseLogLevel } from '../util/logger.js';

export async function serve(argv: string[]): Promise<number> {
  let config;
  try {
    config = parseServeArgs(argv);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${serveUsage()}\n`);
      return 2;
    }
    throw error;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${serveUsage()}\n`);
    return 0;
  }
  const logger = createLogger(parseLogLevel(process.env.BERTH_LOG_LEVEL));
  let berth;
  try {
    berth = await startBerth(config, logger);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
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
      `  CA bundle:         ${berth.url}/certificates/global-bundle.pem${berth.api.scheme === 'https' ? `   (the API's CA too: berth ca bundle --data-dir ${config.dataDir} > ca.pem)` : ''}`,
      `  console:           ${berth.url}/console   (sign in with the key pair above)`,
      `  try:               ${awsEnv} aws lightsail get-relational-databases --endpoint-url ${berth.url} --region ${config.defaultRegion}${berth.api.scheme === 'https' ? ' --ca-bundle ca.pem' : ''}`,
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
