/**
 * The Azure CLI, behind a seam. `Az` runs one `az` command: the real one (`execAz`) with
 * `child_process.execFile`, never through a shell, so no argument is ever parsed as code;
 * tests pass their own and make any call fail. `AzureMl` builds the commands the rollout
 * makes: every `az ml` call names the environment's workspace explicitly (no ambient
 * default decides) and is shown on stderr before it runs.
 */
import { execFile } from 'node:child_process';

/** Pinned so that a new release of the extension cannot change a production rollout unseen. */
export const ML_EXTENSION_VERSION = '2.44.1';

/** How an `az` command ended: its standard output, or why it failed. */
export type AzResult =
  { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly reason: string };

/** Runs `az` with these arguments. */
export interface Az {
  run(args: readonly string[]): Promise<AzResult>;
}

/**
 * The installed `az`. Its stderr (progress, errors) goes to `stderr` as it comes; its stdout
 * is kept for parsing. Its stdin is closed, so a prompt fails instead of waiting.
 */
export function execAz(stderr: (text: string) => void, command = 'az'): Az {
  return {
    run: (args) =>
      new Promise((resolve) => {
        const child = execFile(
          command,
          [...args],
          { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
          (error, stdout) => {
            if (!error) resolve({ ok: true, stdout });
            else if (typeof error.code === 'number') {
              resolve({ ok: false, reason: `exit status ${error.code}` });
            } else resolve({ ok: false, reason: error.message });
          },
        );
        child.stdin?.end();
        child.stderr?.on('data', (chunk: string) => stderr(chunk));
      }),
  };
}

/** az's JSON output, parsed. */
export function parseJson(
  stdout: string,
): { readonly value: unknown } | { readonly error: string } {
  try {
    return { value: JSON.parse(stdout) as unknown };
  } catch (e) {
    return { error: `az printed no valid JSON (${(e as Error).message})` };
  }
}

/** An argument as a POSIX shell would need it, for showing a command a reader can run again. */
export function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The workspace every `az ml` call names. */
export interface Workspace {
  readonly resourceGroup: string;
  readonly workspace: string;
}

/** The `az` commands of a rollout. */
export class AzureMl {
  constructor(
    private readonly az: Az,
    private readonly scope: Workspace,
    /** Shows each command before it runs (stderr: stdout is the log of our own lines). */
    private readonly show: (line: string) => void,
  ) {}

  installExtension(): Promise<AzResult> {
    return this.call([
      'extension',
      'add',
      '--name',
      'ml',
      '--version',
      ML_EXTENSION_VERSION,
      '--upgrade',
      '--yes',
      '--only-show-errors',
    ]);
  }

  showModel(name: string, version: string): Promise<AzResult> {
    return this.ml(['model', 'show', '--name', name, '--version', version, '--output', 'none']);
  }

  /** Fails when the endpoint is missing (the exit status tells, not the message). */
  showEndpoint(endpoint: string): Promise<AzResult> {
    return this.ml(['online-endpoint', 'show', '--name', endpoint, '--output', 'json']);
  }

  createEndpoint(endpoint: string, file: string): Promise<AzResult> {
    return this.ml([
      'online-endpoint',
      'create',
      '--name',
      endpoint,
      '--file',
      file,
      '--output',
      'json',
    ]);
  }

  listDeployments(endpoint: string): Promise<AzResult> {
    return this.ml(['online-deployment', 'list', '--endpoint-name', endpoint, '--output', 'json']);
  }

  createDeployment(
    deployment: string,
    endpoint: string,
    file: string,
    model: { readonly name: string; readonly version: string },
  ): Promise<AzResult> {
    return this.ml([
      'online-deployment',
      'create',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--file',
      file,
      '--set',
      `model=azureml:${model.name}:${model.version}`,
      '--output',
      'none',
    ]);
  }

  /** Sends the request file to one deployment, whatever the traffic. */
  invoke(endpoint: string, deployment: string, requestFile: string): Promise<AzResult> {
    return this.ml([
      'online-endpoint',
      'invoke',
      '--name',
      endpoint,
      '--deployment-name',
      deployment,
      '--request-file',
      requestFile,
      '--output',
      'json',
    ]);
  }

  /** `traffic` in the only form the CLI takes: "a=90 b=10". */
  setTraffic(endpoint: string, traffic: string): Promise<AzResult> {
    return this.ml([
      'online-endpoint',
      'update',
      '--name',
      endpoint,
      '--traffic',
      traffic,
      '--output',
      'none',
    ]);
  }

  deleteDeployment(deployment: string, endpoint: string): Promise<AzResult> {
    return this.ml([
      'online-deployment',
      'delete',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--yes',
    ]);
  }

  /** The arguments that make a command act on the environment's workspace. */
  scopeArgs(): string[] {
    return ['--resource-group', this.scope.resourceGroup, '--workspace-name', this.scope.workspace];
  }

  private ml(args: readonly string[]): Promise<AzResult> {
    return this.call(['ml', ...args, ...this.scopeArgs(), '--only-show-errors']);
  }

  private call(args: readonly string[]): Promise<AzResult> {
    this.show(`+ az ${args.map(shellWord).join(' ')}`);
    return this.az.run(args);
  }
}
