/**
 * An in-memory Azure ML behind the rollout's `Az` seam: workspaces with registered models,
 * online endpoints with traffic, tags and deployments, a signed-in session that expires, and
 * operations that go on in Azure after the command that started them ended. It answers the
 * `az` commands the rollout makes as the CLI does (JSON shapes, exit statuses), and refuses
 * anything else, so a test notices a call it did not expect.
 *
 * Facts it models, each from the CLI's or the service's behaviour (docs/rollout.md and
 * /shared/NOTES.md name the sources):
 * - a missing endpoint or model: exit status 3, "(ResourceNotFound)"; a missing deployment on
 *   `delete`: exit 1, "Deployment does not exist"; 403 and 429: exit 1;
 * - `online-deployment create` on an existing name fails; a deployment takes minutes to
 *   provision; `--set model=... tags.k=v` sets the model and tags at creation;
 * - `online-endpoint update --traffic` takes only "a=90 b=10", shares adding up to 100 (or
 *   0), deployments that exist; `--set tags.k=v` writes tags in the same request;
 * - a deployment with traffic cannot be deleted; `--no-wait` leaves it "Deleting";
 * - a command stopped (the run was cancelled) or whose sign-in expired ends, but the
 *   operation it started goes on and finishes later, as Azure's long-running operations do;
 * - ml 2.45 reports provisioning states as the SDK's enum names
 *   ("DeploymentProvisioningState.SUCCEEDED"; `shape: '2.45'`).
 *
 * State is plain JSON (`FakeState`), so the same model also runs as an `az` executable for
 * the tests that run the bundle in a process (support/fake-az-cli.ts).
 */
import type { Az, AzResult } from '../../rollout/az';

export interface FakeDeployment {
  model: string;
  /** Azure's provisioning state: Creating, Succeeded, Failed, Deleting. */
  state: string;
  tags: Record<string, string>;
}

export interface FakeEndpoint {
  traffic: Record<string, number>;
  tags: Record<string, string>;
  state: string;
  deployments: Record<string, FakeDeployment>;
}

/** An operation that goes on in Azure: it takes effect when the clock reaches `at`. */
interface Pending {
  at: number;
  workspace: string;
  endpoint: string;
  change:
    | { kind: 'deployment-ready'; deployment: string; state: 'Succeeded' | 'Failed' }
    | { kind: 'deployment-gone'; deployment: string }
    | { kind: 'endpoint-update'; traffic?: Record<string, number>; tags: Record<string, string> };
}

export interface FakeState {
  /** The clock, in milliseconds (shared with the rollout through `clock()`). */
  now: number;
  /** Registered models: workspace (or "registry:<name>") → model → versions. */
  models: Record<string, Record<string, string[]>>;
  /** Endpoints: workspace → endpoint name → endpoint. */
  endpoints: Record<string, Record<string, FakeEndpoint>>;
  /** The signed-in principal and when its sign-in stops working. */
  session?: { client: string; expiresAt: number };
  pending: Pending[];
  /** argv of every call, in order. */
  calls: string[][];
  /** Calls per command so far, for `Fault.at`. */
  counts: Record<string, number>;
  /** Registries by name: the regions they replicate to. */
  registries?: Record<string, { locations: string[] }>;
  /** Workspaces' regions (default: japaneast). */
  locations?: Record<string, string>;
  /**
   * Role assignments, when the test models them: client id → scopes it may use,
   * "workspace:<name>", "registry:<name>:read", "registry:<name>:write". Unset: all allowed.
   */
  access?: Record<string, string[]>;
}

/** Something that goes wrong on a call ("ml online-endpoint update", the n-th one). */
export interface Fault {
  readonly command: string;
  /** The n-th call of the command (1-based); every call when left out. */
  readonly at?: number;
  /**
   * - `fail`: exit 1, nothing changes (a create leaves a Failed deployment, as Azure does
   *   when its container never becomes ready);
   * - `forbidden`, `throttled`: exit 1 with Azure's 403 / 429 message, nothing changes;
   * - `expired`: the sign-in has expired: exit 1 with AADSTS700024, nothing changes;
   * - `kill`: the run is cancelled (or its step times out) while the command runs: the
   *   command is stopped, and the operation finishes in Azure `laterMs` after (default:
   *   the command's duration), or never when `lost` is set.
   */
  readonly kind: 'fail' | 'forbidden' | 'throttled' | 'expired' | 'kill';
  readonly laterMs?: number;
  readonly lost?: boolean;
}

/** How long each command keeps the caller waiting, in milliseconds. */
const DURATION_MS: Readonly<Record<string, number>> = {
  login: 3_000,
  'extension add': 5_000,
  'ml model show': 2_000,
  'ml online-endpoint show': 2_000,
  'ml online-endpoint create': 90_000,
  'ml online-endpoint update': 40_000,
  'ml online-endpoint invoke': 3_000,
  'ml online-deployment list': 2_000,
  'ml online-deployment create': 600_000,
  'ml online-deployment delete': 120_000,
  'ml model share': 180_000,
};

/** How long Azure takes to accept an operation that the caller does not wait for. */
const ACCEPTED_MS = 2_000;

const SCORE = '"[0.5, 0.25]"';

export interface FakeOptions {
  readonly faults?: readonly Fault[];
  /** How long a sign-in works (default 60 min, an access token's life). */
  readonly sessionMs?: number;
  /** The ml extension's output shape (default 2.44). */
  readonly shape?: '2.44' | '2.45';
  /** Called when a `kill` fault fires: the test aborts the run there. */
  readonly onKill?: () => void;
  /** Called while the rollout waits (the clock's sleep): someone else acts meanwhile. */
  readonly onSleep?: (state: FakeState) => void;
}

export function emptyState(): FakeState {
  return {
    now: Date.UTC(2026, 11, 7),
    models: {},
    endpoints: {},
    pending: [],
    calls: [],
    counts: {},
  };
}

type Options = Record<string, string | string[] | true>;

/** Splits argv into the command ("ml online-endpoint show") and its options. */
export function parseArgs(args: readonly string[]): { command: string; options: Options } {
  const end = args.findIndex((a) => a.startsWith('-'));
  const command = args.slice(0, end === -1 ? undefined : end).join(' ');
  const options: Options = {};
  const rest = end === -1 ? [] : args.slice(end);
  for (let i = 0; i < rest.length; i++) {
    const name = rest[i];
    if (!name.startsWith('--')) throw new Error(`fake az: unexpected argument ${name}`);
    const values: string[] = [];
    while (i + 1 < rest.length && !rest[i + 1].startsWith('--')) values.push(rest[++i]);
    options[name] = values.length === 0 ? true : name === '--set' ? values : values.join(' ');
  }
  return { command, options };
}

type Answer = { exit: number; stdout?: string; stderr?: string };
const ok = (stdout = ''): Answer => ({ exit: 0, stdout });
const error = (stderr: string, exit = 1): Answer => ({ exit, stderr: `ERROR: ${stderr}\n` });

export class FakeAzureMl implements Az {
  readonly state: FakeState;

  constructor(
    state: FakeState,
    private readonly options: FakeOptions = {},
  ) {
    this.state = state;
  }

  /** The clock the rollout uses: `sleep` moves it on at once. */
  clock(): { now(): number; sleep(ms: number): Promise<void> } {
    return {
      now: () => this.state.now,
      sleep: (ms) => {
        this.state.now += ms;
        this.options.onSleep?.(this.state);
        return Promise.resolve();
      },
    };
  }

  run(args: readonly string[]): Promise<AzResult> {
    return Promise.resolve(this.runSync(args));
  }

  runSync(args: readonly string[]): AzResult {
    this.state.calls.push([...args]);
    const { command, options } = parseArgs(args);
    const count = (this.state.counts[command] = (this.state.counts[command] ?? 0) + 1);
    this.settle();
    const fault = this.options.faults?.find(
      (f) => f.command === command && (f.at ?? count) === count,
    );
    if (fault?.kind === 'kill' && !CHANGES.has(command)) {
      // Stopped before it did anything: a sign-in, a read, a smoke test.
      this.options.onKill?.();
      return { ok: false, reason: 'stopped', stderr: '', cancelled: true };
    }
    const answer = this.answer(command, options, fault);
    if ('cancelled' in answer) return { ok: false, reason: 'stopped', stderr: '', cancelled: true };
    if (answer.exit === 0) return { ok: true, stdout: answer.stdout ?? '' };
    return {
      ok: false,
      reason: `exit status ${answer.exit}`,
      exitCode: answer.exit,
      stderr: answer.stderr ?? '',
    };
  }

  /** Applies the operations that have finished by now. */
  settle(): void {
    const due = this.state.pending.filter((p) => p.at <= this.state.now);
    this.state.pending = this.state.pending.filter((p) => p.at > this.state.now);
    for (const p of due) this.apply(p);
  }

  private apply(p: Pending): void {
    const endpoint = this.state.endpoints[p.workspace]?.[p.endpoint];
    if (!endpoint) return;
    const c = p.change;
    if (c.kind === 'deployment-ready' && endpoint.deployments[c.deployment]) {
      endpoint.deployments[c.deployment].state = c.state;
    } else if (c.kind === 'deployment-gone') {
      delete endpoint.deployments[c.deployment];
      delete endpoint.traffic[c.deployment];
    } else if (c.kind === 'endpoint-update') {
      if (c.traffic) endpoint.traffic = c.traffic;
      Object.assign(endpoint.tags, c.tags);
      endpoint.state = 'Succeeded';
    }
  }

  private answer(
    command: string,
    options: Options,
    fault: Fault | undefined,
  ): Answer | { cancelled: true } {
    if (command === 'login') return this.login(options, fault);
    if (command === 'extension add') return this.wait(command, ok());
    if (!command.startsWith('ml '))
      return error(`fake az: command '${command}' is not implemented`, 2);
    const scope = SCOPE_OPTIONS[command] ?? [
      '--subscription',
      '--resource-group',
      '--workspace-name',
    ];
    for (const name of scope) {
      if (typeof options[name] !== 'string') return error(`fake az: '${command}' needs ${name}`, 2);
    }
    if (
      !this.state.session ||
      this.state.session.expiresAt <= this.state.now ||
      fault?.kind === 'expired'
    ) {
      return error(
        'AADSTS700024: Client assertion is not within its valid time range. Please run az login.',
      );
    }
    if (fault?.kind === 'forbidden') {
      return error(
        `(AuthorizationFailed) The client does not have authorization to perform action over scope '${String(options['--workspace-name'])}'.`,
      );
    }
    if (fault?.kind === 'throttled')
      return error('(TooManyRequests) Too many requests. Retry after 30 seconds.');
    const workspace = String(options['--workspace-name'] ?? options['--name']);
    const denied = this.denied(command, options, workspace);
    if (denied) {
      return error(
        `(AuthorizationFailed) The client '${this.state.session.client}' does not have authorization over scope '${denied}'.`,
      );
    }
    const handler = HANDLERS[command];
    if (!handler) return error(`fake az: command '${command}' is not implemented`, 2);
    return handler(this, { command, options, workspace, fault });
  }

  private login(options: Options, fault: Fault | undefined): Answer {
    const secret = options['--federated-token'] ?? options['--password'];
    if (options['--service-principal'] !== true || typeof options['--username'] !== 'string') {
      return error('fake az: login needs --service-principal --username', 2);
    }
    if (typeof secret !== 'string' || secret === '' || fault?.kind === 'fail') {
      return error('AADSTS7000215: Invalid client secret or assertion provided.');
    }
    this.state.session = {
      client: options['--username'],
      expiresAt: this.state.now + DURATION_MS.login + (this.options.sessionMs ?? 3_600_000),
    };
    return this.wait('login', ok());
  }

  /** The caller waits for the command; a sign-in that expires meanwhile ends it (exit 1). */
  wait(command: string, answer: Answer): Answer {
    const end = this.state.now + (DURATION_MS[command] ?? 1_000);
    const expires = this.state.session?.expiresAt ?? end;
    if (command.startsWith('ml ') && expires < end) {
      this.state.now = expires;
      return error(
        'AADSTS700024: Client assertion is not within its valid time range. Please run az login.',
      );
    }
    this.state.now = end;
    this.settle();
    return answer;
  }

  /** A change that takes the command's duration; a kill or an expired sign-in leaves it pending. */
  /**
   * A change that takes the command's duration: `start` is what Azure does at once (a
   * deployment appears as Creating, an endpoint becomes Updating), `change` what it does at
   * the end. A kill stops the command, not the operation (unless the request was `lost`).
   */
  change(
    call: Call,
    endpoint: string,
    start: () => void,
    change: Pending['change'],
    answer: Answer,
  ): Answer | { cancelled: true } {
    const duration = DURATION_MS[call.command] ?? 1_000;
    const later = { workspace: call.workspace, endpoint, change };
    if (call.fault?.kind === 'kill') {
      if (!call.fault.lost) {
        start();
        const at = this.state.now + (call.fault.laterMs ?? duration);
        this.state.pending.push({ ...later, at });
      }
      this.state.now += 1_000;
      this.options.onKill?.();
      return { cancelled: true };
    }
    start();
    // Azure carries the operation out whether or not the caller is still there to see it end.
    this.state.pending.push({ ...later, at: this.state.now + duration });
    return this.wait(call.command, answer);
  }

  /** The scope the signed-in client lacks for this call, if the test models access. */
  private denied(command: string, options: Options, workspace: string): string | undefined {
    const granted = this.state.access?.[this.state.session?.client ?? ''];
    if (!this.state.access) return undefined;
    const registry = options['--registry-name'];
    const needed =
      typeof registry !== 'string'
        ? [`workspace:${workspace}`]
        : command === 'ml model share'
          ? [`workspace:${workspace}`, `registry:${registry}:write`]
          : [`registry:${registry}:read`];
    if (command === 'ml registry show')
      needed.splice(0, 1, `registry:${String(options['--name'])}:read`);
    return needed.find(
      (scope) =>
        !(granted ?? []).includes(scope) &&
        !(scope.endsWith(':read') && granted?.includes(scope.replace(/:read$/, ':write'))),
    );
  }

  endpointsOf(workspace: string): Record<string, FakeEndpoint> {
    return (this.state.endpoints[workspace] ??= {});
  }

  provisioning(kind: 'Deployment' | 'Endpoint', state: string): string {
    return this.options.shape === '2.45'
      ? `${kind}ProvisioningState.${state.toUpperCase()}`
      : state;
  }
}

/** One call, as a handler sees it. */
interface Call {
  readonly command: string;
  readonly options: Options;
  readonly workspace: string;
  readonly fault?: Fault;
}

type Handler = (fake: FakeAzureMl, call: Call) => Answer | { cancelled: true };

/** The commands whose operation goes on in Azure when the command is stopped. */
/** Commands that do not name a workspace: what they need instead. */
const SCOPE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'ml registry show': ['--subscription', '--resource-group', '--name'],
  'ml workspace show': ['--subscription', '--resource-group', '--name'],
};

const CHANGES = new Set([
  'ml online-endpoint update',
  'ml online-deployment create',
  'ml online-deployment delete',
]);

const notFound = (what: string): Answer =>
  error(`(ResourceNotFound) ${what} could not be found.`, 3);

function str(options: Options, name: string): string {
  const value = options[name];
  if (typeof value !== 'string') throw new Error(`fake az: missing ${name}`);
  return value;
}

/** `--set` values: "key=value" pairs. */
function sets(options: Options): Array<[string, string]> {
  const values = options['--set'];
  return (Array.isArray(values) ? values : []).map((v) => {
    const i = v.indexOf('=');
    return [v.slice(0, i), v.slice(i + 1)];
  });
}

function tagsFrom(options: Options): Record<string, string> {
  return Object.fromEntries(
    sets(options)
      .filter(([key]) => key.startsWith('tags.'))
      .map(([key, value]) => [key.slice('tags.'.length), value]),
  );
}

function showEndpoint(fake: FakeAzureMl, name: string, endpoint: FakeEndpoint): string {
  return JSON.stringify({
    name,
    provisioning_state: fake.provisioning('Endpoint', endpoint.state),
    traffic: endpoint.traffic,
    tags: endpoint.tags,
  });
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  'ml model show': (fake, { command, options, workspace }) => {
    const scope =
      typeof options['--registry-name'] === 'string'
        ? `registry:${options['--registry-name']}`
        : workspace;
    const versions = fake.state.models[scope]?.[str(options, '--name')] ?? [];
    if (!versions.includes(str(options, '--version')))
      return notFound('Model container or version');
    return fake.wait(command, ok());
  },
  'ml online-endpoint show': (fake, { command, options, workspace }) => {
    const name = str(options, '--name');
    const endpoint = fake.endpointsOf(workspace)[name];
    if (!endpoint) return notFound(`Online endpoint ${name}`);
    return fake.wait(command, ok(showEndpoint(fake, name, endpoint)));
  },
  'ml online-endpoint create': (fake, { command, options, workspace, fault }) => {
    const name = str(options, '--name');
    if (fake.endpointsOf(workspace)[name])
      return error(`(Conflict) Online endpoint ${name} already exists.`);
    if (fault?.kind === 'fail') return error('(fake az) injected failure');
    fake.endpointsOf(workspace)[name] = {
      traffic: {},
      tags: {},
      state: 'Succeeded',
      deployments: {},
    };
    return fake.wait(command, ok());
  },
  'ml online-endpoint update': (fake, call) => {
    const name = str(call.options, '--name');
    const endpoint = fake.endpointsOf(call.workspace)[name];
    if (!endpoint) return notFound(`Online endpoint ${name}`);
    const traffic = call.options['--traffic'];
    const parsed = typeof traffic === 'string' ? parseTraffic(traffic, endpoint) : undefined;
    if (typeof parsed === 'string') return error(parsed);
    if (call.fault?.kind === 'fail') return error('(fake az) injected failure');
    if (endpoint.state === 'Updating')
      return error('(Conflict) An operation is in progress on the endpoint.');
    return fake.change(
      call,
      name,
      () => (endpoint.state = 'Updating'),
      { kind: 'endpoint-update', traffic: parsed, tags: tagsFrom(call.options) },
      ok(),
    );
  },
  'ml online-endpoint invoke': (fake, { command, options, workspace, fault }) => {
    const deployment =
      fake.endpointsOf(workspace)[str(options, '--name')]?.deployments[
        str(options, '--deployment-name')
      ];
    if (!deployment || deployment.state !== 'Succeeded')
      return error('(BadRequest) The deployment cannot serve requests.');
    if (fault?.kind === 'fail')
      return error('(fake az) injected failure: the scoring script raised');
    return fake.wait(command, ok(`${SCORE}\n`));
  },
  'ml online-deployment list': (fake, { command, options, workspace }) => {
    const name = str(options, '--endpoint-name');
    const endpoint = fake.endpointsOf(workspace)[name];
    if (!endpoint) return notFound(`Online endpoint ${name}`);
    const list = Object.entries(endpoint.deployments).map(([d, x]) => ({
      name: d,
      model: x.model,
      provisioning_state: fake.provisioning('Deployment', x.state),
      tags: x.tags,
    }));
    return fake.wait(command, ok(JSON.stringify(list)));
  },
  'ml online-deployment create': createDeployment,
  'ml model share': (fake, { command, options, workspace, fault }) => {
    const [name, version] = [str(options, '--name'), str(options, '--version')];
    const registry = str(options, '--registry-name');
    if (options['--share-with-name'] !== name || options['--share-with-version'] !== version) {
      return error('fake az: share under the same name and version', 2);
    }
    if (!fake.state.registries?.[registry]) return notFound(`Registry ${registry}`);
    if (!(fake.state.models[workspace]?.[name] ?? []).includes(version)) {
      return error('(UserError) The source model version does not exist.');
    }
    const copies = ((fake.state.models[`registry:${registry}`] ??= {})[name] ??= []);
    if (copies.includes(version))
      return error('A model with this name and version already exists in registry');
    if (fault?.kind === 'fail') return error('(fake az) injected failure: the copy failed');
    copies.push(version);
    return fake.wait(command, ok());
  },
  'ml registry show': (fake, { command, options }) => {
    const name = str(options, '--name');
    const registry = fake.state.registries?.[name];
    if (!registry) return notFound(`Registry ${name}`);
    const replication = registry.locations.map((location) => ({ location }));
    return fake.wait(command, ok(JSON.stringify({ name, replication_locations: replication })));
  },
  'ml workspace show': (fake, { command, workspace }) => {
    const location = fake.state.locations?.[workspace] ?? 'japaneast';
    return fake.wait(command, ok(JSON.stringify({ name: workspace, location })));
  },
  'ml online-deployment delete': (fake, call) => {
    const endpointName = str(call.options, '--endpoint-name');
    const endpoint = fake.endpointsOf(call.workspace)[endpointName];
    const name = str(call.options, '--name');
    if (call.options['--yes'] !== true)
      return error('fake az: delete without --yes would prompt', 2);
    if (!endpoint?.deployments[name]) return error('Deployment does not exist.');
    if (
      endpoint.deployments[name].state !== 'Succeeded' &&
      endpoint.deployments[name].state !== 'Failed'
    ) {
      return error(
        '(Conflict) Conflict of operation, another operation on same entity is already running.',
      );
    }
    if ((endpoint.traffic[name] ?? 0) > 0)
      return error(`(BadRequest) Deployment ${name} receives traffic; cannot delete.`);
    if (call.fault?.kind === 'fail') return error('(fake az) injected failure');
    const deleting = (): void => {
      endpoint.deployments[name].state = 'Deleting';
    };
    const gone = { kind: 'deployment-gone' as const, deployment: name };
    if (call.options['--no-wait'] === true) {
      deleting();
      const at = fake.state.now + DURATION_MS[call.command];
      fake.state.pending.push({
        at,
        workspace: call.workspace,
        endpoint: endpointName,
        change: gone,
      });
      fake.state.now += ACCEPTED_MS;
      return ok();
    }
    return fake.change(call, endpointName, deleting, gone, ok());
  },
};

function createDeployment(fake: FakeAzureMl, call: Call): Answer | { cancelled: true } {
  const endpointName = str(call.options, '--endpoint-name');
  const endpoint = fake.endpointsOf(call.workspace)[endpointName];
  const name = str(call.options, '--name');
  if (!endpoint) return notFound(`Online endpoint ${endpointName}`);
  if (!/^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(name) || name.length < 3 || name.length > 32) {
    return error(`fake az: invalid deployment name '${name}'`, 2);
  }
  if (endpoint.deployments[name]) {
    return error(
      `A deployment with this name already exists. To update it, use az ml online-deployment update.`,
    );
  }
  const model = sets(call.options).find(([key]) => key === 'model')?.[1];
  if (!model) return error('fake az: expected --set model=...', 2);
  const creating = (): void => {
    endpoint.deployments[name] = {
      model: armModel(model, call),
      state: 'Creating',
      tags: tagsFrom(call.options),
    };
  };
  const state = call.fault?.kind === 'fail' ? 'Failed' : 'Succeeded';
  const answer =
    state === 'Failed'
      ? error(`(fake az) deployment ${name} is in state Failed: the container never became ready`)
      : ok();
  return fake.change(
    call,
    endpointName,
    creating,
    { kind: 'deployment-ready', deployment: name, state },
    answer,
  );
}

/** "azureml:NAME:VERSION" as Azure reports it back: an ARM-style id of the workspace. */
function armModel(model: string, call: Call): string {
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  if (!short) return model;
  const { options } = call;
  return `azureml:/subscriptions/${String(options['--subscription'])}/resourceGroups/${String(options['--resource-group'])}/providers/Microsoft.MachineLearningServices/workspaces/${call.workspace}/models/${short[1]}/versions/${short[2]}`;
}

/** The `--traffic` form the CLI takes, or why Azure refuses it. */
function parseTraffic(text: string, endpoint: FakeEndpoint): Record<string, number> | string {
  const traffic: Record<string, number> = {};
  for (const pair of text.split(' ')) {
    const m = /^([A-Za-z][-A-Za-z0-9]*)=([0-9]{1,3})$/.exec(pair);
    if (!m) return `fake az: malformed traffic '${text}'`;
    if (!endpoint.deployments[m[1]])
      return `(BadRequest) Traffic names deployment ${m[1]}, which does not exist.`;
    traffic[m[1]] = Number(m[2]);
  }
  const total = Object.values(traffic).reduce((a, b) => a + b, 0);
  return total === 100 || total === 0
    ? traffic
    : `(BadRequest) Traffic must add up to 100, got ${total}.`;
}
