import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TEST_DIR_PREFIX, type BerthProcess } from './berth-process.js';
import { hasTool } from './clients.js';

const CONFIG_DIR = path.join(REPO_ROOT, 'test', 'terraform');
/** The project's Terraform CLI configuration (provider from the local mirror). */
const CLI_CONFIG = path.join(CONFIG_DIR, 'terraformrc');
const PROVIDER = 'registry.terraform.io/hashicorp/aws/5.100.0';
const MIRROR_CANDIDATES = [
  '/opt/tf-plugins',
  '/usr/share/terraform/plugins',
  '/usr/local/share/terraform/plugins',
  path.join(os.homedir(), '.terraform.d', 'plugins'),
  path.join(os.homedir(), '.local', 'share', 'terraform', 'plugins'),
];

/** The machine's local provider mirror, or undefined (a failure when CI=true). */
export async function findProviderMirror(): Promise<string | undefined> {
  if (!(await hasTool('terraform', ['version']))) return undefined;
  const mirror = MIRROR_CANDIDATES.find((dir) => existsSync(path.join(dir, PROVIDER)));
  if (!mirror && process.env.CI === 'true') {
    throw new Error(`hashicorp/aws 5.100.0 is required in CI but no local mirror holds it (looked in ${MIRROR_CANDIDATES.join(', ')})`);
  }
  return mirror;
}

export interface TerraformResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The parts of `terraform show -json <plan>` the suites read. */
export interface PlanJson {
  resource_changes?: Array<{
    address: string;
    change: {
      actions: string[];
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
      after_unknown?: Record<string, unknown>;
    };
  }>;
}

/** The parts of `terraform show -json` (state) the suites read. */
interface StateJson {
  values?: { root_module?: { resources?: Array<{ address: string; values: Record<string, unknown> }> } };
}

/**
 * A throw-away Terraform working directory holding `<configRoot>/<name>`
 * (test/terraform by default), with the project's CLI config pointed at the
 * local provider mirror and no AWS_/TF_ settings inherited: nothing is
 * downloaded and nothing but berth is contacted.
 */
export class TerraformWorkspace {
  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * The configurations take berth's endpoint, its key pair and the master
   * password as the variables `endpoint`, `access_key`, `secret_key` and
   * `master_password`.
   */
  static async create(
    name: string,
    mirror: string,
    berth: Pick<BerthProcess, 'url' | 'accessKeyId' | 'secretAccessKey' | 'caFile'>,
    masterPassword: string,
    configRoot: string = CONFIG_DIR,
  ): Promise<TerraformWorkspace> {
    const variables: Record<string, string> = { endpoint: berth.url, access_key: berth.accessKeyId, secret_key: berth.secretAccessKey, master_password: masterPassword };
    // Over HTTPS, the provider trusts berth's CA through custom_ca_bundle (the configurations take it as ca_bundle).
    if (berth.caFile !== undefined) variables.ca_bundle = berth.caFile;
    const dir = await mkdtemp(path.join(os.tmpdir(), `${TEST_DIR_PREFIX}tf-`));
    await cp(path.join(configRoot, name), dir, { recursive: true });
    const cliConfig = (await readFile(CLI_CONFIG, 'utf8')).replace('/opt/tf-plugins', mirror);
    await writeFile(path.join(dir, 'terraformrc'), cliConfig);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('AWS_') || key.startsWith('TF_')) delete env[key];
    Object.assign(env, {
      TF_CLI_CONFIG_FILE: path.join(dir, 'terraformrc'),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    for (const [key, value] of Object.entries(variables)) env[`TF_VAR_${key}`] = value;
    return new TerraformWorkspace(dir, env);
  }

  run(args: string[], variables: Record<string, string> = {}): Promise<TerraformResult> {
    const env = { ...this.env };
    for (const [key, value] of Object.entries(variables)) env[`TF_VAR_${key}`] = value;
    return new Promise((resolve) => {
      execFile('terraform', args, { cwd: this.dir, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs and throws with Terraform's output when the exit code is not the expected one. */
  async expect(args: string[], expectedCode = 0, variables: Record<string, string> = {}): Promise<TerraformResult> {
    const result = await this.run(args, variables);
    if (result.code !== expectedCode) {
      throw new Error(`terraform ${args.join(' ')} exited ${result.code} (expected ${expectedCode}):\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  async outputs(): Promise<Record<string, unknown>> {
    const { stdout } = await this.expect(['output', '-json']);
    const parsed = JSON.parse(stdout) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(parsed).map(([key, output]) => [key, output.value]));
  }

  /** The attributes of `address` in the current state. */
  async stateOf(address: string): Promise<Record<string, unknown> | undefined> {
    const { stdout } = await this.expect(['show', '-json', '-no-color']);
    const state = JSON.parse(stdout) as StateJson;
    return state.values?.root_module?.resources?.find((resource) => resource.address === address)?.values;
  }

  async showPlan(planFile: string): Promise<PlanJson> {
    const { stdout } = await this.expect(['show', '-json', '-no-color', planFile]);
    return JSON.parse(stdout) as PlanJson;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
