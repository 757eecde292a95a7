import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, TEST_DIR_PREFIX } from './berth-process.js';
import { hasTool } from './clients.js';

const CONFIG_DIR = path.join(REPO_ROOT, 'test', 'terraform');
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

/**
 * A throw-away Terraform working directory holding one of test/terraform/*,
 * with the project's CLI config pointed at the local provider mirror.
 */
export class TerraformWorkspace {
  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(name: string, mirror: string, variables: Record<string, string>): Promise<TerraformWorkspace> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `${TEST_DIR_PREFIX}tf-`));
    await cp(path.join(CONFIG_DIR, name), dir, { recursive: true });
    const cliConfig = (await readFile(path.join(CONFIG_DIR, 'terraformrc'), 'utf8')).replace('/opt/tf-plugins', mirror);
    await writeFile(path.join(dir, 'terraformrc'), cliConfig);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TF_CLI_CONFIG_FILE: path.join(dir, 'terraformrc'),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
    };
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

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
