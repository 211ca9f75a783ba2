/**
 * The Azure CLI, behind a seam. `Az` runs one `az` command: the real one (`execAz`) with
 * `child_process.spawn`, never through a shell, so no argument is ever parsed as code; the
 * tests pass an in-memory Azure ML (`__tests__/support/fake-azure-ml.ts`). `AzureMl` builds
 * the commands the rollout makes: every `az ml` call names the subscription and the
 * workspace explicitly (no ambient default decides) and is shown on stderr before it runs,
 * with credentials masked.
 */
import { spawn } from 'node:child_process';

/** Pinned so that a new release of the extension cannot change a production rollout unseen. */
export const ML_EXTENSION_VERSION = '2.44.1';

/**
 * How an `az` command ended. `exitCode` is undefined when the process did not end on its own
 * (it could not start, or the run was cancelled and the command stopped); `stderr` keeps the
 * end of what it printed there, for the reason of a failure.
 */
export type AzResult =
  | { readonly ok: true; readonly stdout: string }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly exitCode?: number;
      readonly stderr: string;
      readonly cancelled?: boolean;
    };

/**
 * Runs `az` with these arguments; a command under way stops when `signal` aborts.
 * `onProcess` hears the id of the process group that runs it, then `undefined` when it ends.
 */
export interface Az {
  run(
    args: readonly string[],
    signal?: AbortSignal,
    onProcess?: (group: number | undefined) => void,
  ): Promise<AzResult>;
}

/** How much of a failed command's stderr is kept for its reason. */
const STDERR_TAIL = 2000;

/**
 * The installed `az`. Its stderr (progress, errors) goes to `stderr` as it comes; its stdout
 * is kept for parsing. Its stdin is closed, so a prompt fails instead of waiting.
 *
 * It runs in a process group of its own: `az` is a shell script that starts Python, and a
 * cancelled run must stop both (SIGINT to the group: Python's handler ends the wait at
 * once; the operation itself goes on in Azure). The journal keeps the group's id, so that
 * the restore step can stop a command that outlived its rollout (a deploy step killed
 * before it could stop it).
 */
export function execAz(stderr: (text: string) => void, command = 'az'): Az {
  return {
    run: (args, signal, onProcess = () => undefined) =>
      new Promise((resolve) => {
        const child = spawn(command, [...args], {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let tail = '';
        const stop = (): void => {
          if (child.pid !== undefined) killGroup(child.pid, 'SIGINT');
        };
        onProcess(child.pid);
        signal?.addEventListener('abort', stop, { once: true });
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr(chunk);
          tail = (tail + chunk).slice(-STDERR_TAIL);
        });
        child.on('error', (error) => {
          signal?.removeEventListener('abort', stop);
          resolve({ ok: false, reason: error.message, stderr: tail });
        });
        child.on('close', (code) => {
          signal?.removeEventListener('abort', stop);
          onProcess(undefined);
          if (signal?.aborted) {
            resolve({
              ok: false,
              reason: 'stopped: the run was cancelled',
              stderr: tail,
              cancelled: true,
            });
          } else if (code === 0) resolve({ ok: true, stdout });
          else
            resolve({
              ok: false,
              reason: `exit status ${code}`,
              exitCode: code ?? undefined,
              stderr: tail,
            });
        });
      }),
  };
}

/** Signals a process group; one that is gone already is not an error. */
export function killGroup(processGroup: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-processGroup, signal);
  } catch {
    // ESRCH: it ended on its own.
  }
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

/**
 * Whether a failed `show` means "it does not exist". The ml extension raises
 * ResourceNotFoundError for a 404 on an endpoint or a model, which the CLI ends with exit
 * status 3 (azure-cli `azure/cli/core/util.py` handle_exception); a throttled (429),
 * forbidden (403) or expired sign-in ends with 1. The message is checked too, because a
 * 404 whose body the extension could not parse loses its type and exits 1
 * (`azext_mlv2/manual/custom/raise_error.py`, log_and_raise_error).
 */
export function isNotFound(result: AzResult): boolean {
  return !result.ok && (result.exitCode === 3 || /\bResourceNotFound\b/.test(result.stderr));
}

/**
 * Whether a command failed because the sign-in no longer works: Entra ID refused the stored
 * federated assertion (AADSTS700024: it lives five minutes) or the CLI asks for `az login`.
 */
export function signInExpired(result: AzResult): boolean {
  return !result.ok && /AADSTS700024|AADSTS700027|Please run ['"]?az login/.test(result.stderr);
}

/** Why a command failed, in one line for a summary: the last error line az printed. */
export function failureReason(result: AzResult): string {
  if (result.ok) return '';
  const lines = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const error = [...lines].reverse().find((line) => /error|AADSTS|\(\w+\)/i.test(line));
  return (error ?? lines.at(-1) ?? result.reason).slice(0, 300);
}

/** An argument as a POSIX shell would need it, for showing a command a reader can run again. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Options whose value is a credential: shown as "***". */
const SECRET_OPTIONS = new Set(['--federated-token', '--password']);

/** The command as the log shows it, credentials masked. */
export function shownCommand(args: readonly string[]): string {
  const shown = args.map((arg, i) => (SECRET_OPTIONS.has(args[i - 1]) ? '***' : shellWord(arg)));
  return `+ az ${shown.join(' ')}`;
}

/** The workspace every `az ml` call names. */
export interface Workspace {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
}

/** How the deploy identity signs in (one of the two auth modes). */
export type Credential =
  | { readonly kind: 'federated-token'; readonly token: string }
  | { readonly kind: 'client-secret'; readonly secret: string };

/** Tags as `--set` values: `tags.<name>=<value>`. */
function tagArgs(tags: Readonly<Record<string, string>>): string[] {
  return Object.entries(tags).map(([name, value]) => `tags.${name}=${value}`);
}

/** The `az` commands of a rollout. */
export class AzureMl {
  constructor(
    private readonly az: Az,
    private readonly scope: Workspace,
    /** Shows each command before it runs (stderr: stdout is the log of our own lines). */
    private readonly show: (line: string) => void,
    /** Aborted when the run is cancelled: the command under way stops. */
    private readonly signal?: AbortSignal,
    /** Hears the process group of each command (see Az.run). */
    private readonly onProcess?: (group: number | undefined) => void,
  ) {}

  /** A fresh sign-in of the deploy identity (the CLI cannot renew a federated one). */
  signIn(clientId: string, tenantId: string, credential: Credential): Promise<AzResult> {
    const secret =
      credential.kind === 'federated-token'
        ? ['--federated-token', credential.token]
        : ['--password', credential.secret];
    return this.call([
      'login',
      '--service-principal',
      '--username',
      clientId,
      '--tenant',
      tenantId,
      ...secret,
      '--output',
      'none',
      '--only-show-errors',
    ]);
  }

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

  /** In the workspace, or with `registry` in that registry (found by name, in any subscription). */
  showModel(name: string, version: string, registry?: string): Promise<AzResult> {
    const where = registry === undefined ? [] : ['--registry-name', registry];
    return this.ml([
      'model',
      'show',
      '--name',
      name,
      '--version',
      version,
      ...where,
      '--output',
      'none',
    ]);
  }

  /**
   * Copies a workspace model version into a registry under the same name and version (the
   * service copies the files). Not idempotent: an existing version fails it with exit 1.
   * `--share-with-*` are required by the command's signature (azext_mlv2 custom/model.py
   * ml_model_share), though Microsoft Learn calls them optional.
   */
  shareModel(name: string, version: string, registry: string): Promise<AzResult> {
    return this.ml([
      'model',
      'share',
      '--name',
      name,
      '--version',
      version,
      '--share-with-name',
      name,
      '--share-with-version',
      version,
      '--registry-name',
      registry,
    ]);
  }

  /** The registry (`replication_locations` says where its assets can be used). */
  showRegistry(name: string, resourceGroup: string, subscriptionId: string): Promise<AzResult> {
    return this.call([
      'ml',
      'registry',
      'show',
      '--name',
      name,
      '--resource-group',
      resourceGroup,
      '--subscription',
      subscriptionId,
      '--output',
      'json',
      '--only-show-errors',
    ]);
  }

  /** The environment's workspace (its `location`). */
  showWorkspace(): Promise<AzResult> {
    return this.call([
      'ml',
      'workspace',
      'show',
      '--name',
      this.scope.workspace,
      '--resource-group',
      this.scope.resourceGroup,
      '--subscription',
      this.scope.subscriptionId,
      '--output',
      'json',
      '--only-show-errors',
    ]);
  }

  /** Fails with exit status 3 when the endpoint is missing (see isNotFound). */
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
      'none',
    ]);
  }

  /** The deployments that exist: a missing one is simply not listed (its `show` exits 1). */
  listDeployments(endpoint: string): Promise<AzResult> {
    return this.ml(['online-deployment', 'list', '--endpoint-name', endpoint, '--output', 'json']);
  }

  /** Creates a deployment of `model` with these tags (set at creation; never updated later). */
  createDeployment(
    deployment: string,
    endpoint: string,
    file: string,
    model: string,
    tags: Readonly<Record<string, string>>,
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
      `model=${model}`,
      ...tagArgs(tags),
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

  /**
   * One update of the endpoint: the traffic (in the only form the CLI takes, "a=90 b=10"),
   * its tags, or both in the same request, so that a traffic change and the journal entry
   * that describes it land together.
   */
  updateEndpoint(
    endpoint: string,
    change: { readonly traffic?: string; readonly tags?: Readonly<Record<string, string>> },
  ): Promise<AzResult> {
    const traffic = change.traffic === undefined ? [] : ['--traffic', change.traffic];
    const tags = change.tags === undefined ? [] : ['--set', ...tagArgs(change.tags)];
    return this.ml([
      'online-endpoint',
      'update',
      '--name',
      endpoint,
      ...traffic,
      ...tags,
      '--output',
      'none',
    ]);
  }

  /** `wait: false` returns once Azure accepted the delete (the restore step has minutes). */
  deleteDeployment(deployment: string, endpoint: string, wait = true): Promise<AzResult> {
    return this.ml([
      'online-deployment',
      'delete',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
      '--yes',
      ...(wait ? [] : ['--no-wait']),
    ]);
  }

  /** The arguments that make a command act on the environment's workspace. */
  scopeArgs(): string[] {
    return [
      '--subscription',
      this.scope.subscriptionId,
      '--resource-group',
      this.scope.resourceGroup,
      '--workspace-name',
      this.scope.workspace,
    ];
  }

  private ml(args: readonly string[]): Promise<AzResult> {
    return this.call(['ml', ...args, ...this.scopeArgs(), '--only-show-errors']);
  }

  private call(args: readonly string[]): Promise<AzResult> {
    this.show(shownCommand(args));
    return this.az.run(args, this.signal, this.onProcess);
  }
}
