/**
 * A chain of environments (dev, staging, production) in one target repository, run through
 * the committed workflow files (support/workflow-runner.ts) with the rollout's phases in this
 * process, against one in-memory Azure (support/fake-azure-ml.ts) holding every environment's
 * workspace, a registry, and who may use what (each environment's deploy identity).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { registryModel, type RegistryRef } from '../../lib/promotion';
import { COMMITTED_FILES } from '../../lib/workflow-contract';
import { fileJournal, gitHubIo, JOURNAL_FILE } from '../../rollout/github-io';
import { readInputs } from '../../rollout/inputs';
import { isPhase, runPhase } from '../../rollout/run';
import { emptyState, FakeAzureMl, type Fault, type FakeState } from './fake-azure-ml';
import { DEFAULT_TARGET, REPOSITORY_FILES, TENANT } from './rollout-harness';
import { checkout as checkoutOf, runWorkflow, type JobResult } from './workflow-runner';

const SUBSCRIPTION = '00000000-0000-0000-0000-00000000005b';
export const REGISTRY: RegistryRef = {
  name: 'mlr-contoso',
  resourceGroup: 'rg-ml-shared',
  subscriptionId: SUBSCRIPTION,
};

/** One environment of the chain: its GitHub environment, identity, workspace, endpoint. */
export interface Stage {
  readonly environment: string;
  readonly client: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly endpoint: string;
  /** The next stage, and whether the version travels through the registry. */
  readonly to?: { readonly environment: string; readonly registry: boolean };
  readonly from?: { readonly environment: string; readonly registry: boolean };
}

/** dev and staging share a workspace; production has its own, fed through the registry. */
export const DEV: Stage = {
  environment: 'dev',
  client: '00000000-0000-0000-0000-0000000000d1',
  resourceGroup: 'rg-ml',
  workspace: 'mlw-shared',
  endpoint: 'iris-dev',
  to: { environment: 'staging', registry: false },
};
export const STAGING: Stage = {
  environment: 'staging',
  client: '00000000-0000-0000-0000-0000000000d2',
  resourceGroup: 'rg-ml',
  workspace: 'mlw-shared',
  endpoint: 'iris-staging',
  to: { environment: 'production', registry: true },
};
export const PRODUCTION: Stage = {
  environment: 'production',
  client: '00000000-0000-0000-0000-0000000000d3',
  resourceGroup: 'rg-ml-prod',
  workspace: 'mlw-prod',
  endpoint: 'iris-prod',
  from: { environment: 'staging', registry: true },
};

/** The GitHub environment's variables, as the stacks publish them. */
function variables(stage: Stage): Record<string, string> {
  const registry = (on: boolean) => (on ? { registry: REGISTRY } : {});
  return {
    AZURE_AUTH_MODE: 'oidc',
    AZURE_CLIENT_ID: stage.client,
    AZURE_TENANT_ID: TENANT,
    AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
    AML_RESOURCE_GROUP: stage.resourceGroup,
    AML_WORKSPACE: stage.workspace,
    AML_DEPLOYMENT_TARGETS: JSON.stringify({
      iris: { ...DEFAULT_TARGET, endpoint: stage.endpoint },
    }),
    AML_PROMOTION: stage.to
      ? JSON.stringify({ to: stage.to.environment, ...registry(stage.to.registry) })
      : '',
    AML_PROMOTED_FROM: stage.from
      ? JSON.stringify({ from: stage.from.environment, ...registry(stage.from.registry) })
      : '',
  };
}

/**
 * Azure: iris 1-5 registered in the shared workspace, version 1 in the registry, and every
 * endpoint serving version 1 (production from the registry). Each identity may use its own
 * workspace; staging may write to the registry, production only read it.
 */
export function chainAzure(stages: readonly Stage[]): FakeState {
  const state = emptyState();
  state.models['mlw-shared'] = { iris: ['1', '2', '3', '4', '5'] };
  state.models[`registry:${REGISTRY.name}`] = { iris: ['1'] };
  state.registries = { [REGISTRY.name]: { locations: ['japaneast', 'westeurope'] } };
  state.access = {};
  for (const stage of stages) {
    const model = stage.from?.registry
      ? registryModel(REGISTRY.name, 'iris', '1')
      : `azureml:/subscriptions/${SUBSCRIPTION}/resourceGroups/${stage.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${stage.workspace}/models/iris/versions/1`;
    (state.endpoints[stage.workspace] ??= {})[stage.endpoint] = {
      traffic: { 'model-v1': 100 },
      tags: {},
      state: 'Succeeded',
      deployments: { 'model-v1': { model, state: 'Succeeded', tags: {} } },
    };
    state.access[stage.client] = [
      `workspace:${stage.workspace}`,
      ...(stage.to?.registry ? [`registry:${REGISTRY.name}:write`] : []),
      ...(stage.from?.registry ? [`registry:${REGISTRY.name}:read`] : []),
    ];
  }
  return state;
}

export interface ChainRun {
  readonly azure: FakeState;
  readonly event:
    | { readonly environment: string; readonly version: string }
    | { readonly byHand: Record<string, string> };
  readonly stages: readonly Stage[];
  readonly faults?: readonly Fault[];
  readonly approve?: (environment: string) => boolean | Promise<boolean>;
  readonly runId?: string;
}

/** Runs the deploy workflow once; returns each job's result by name. */
export async function runChain(c: ChainRun): Promise<Record<string, JobResult>> {
  const { dir, checkout } = checkoutOf('chain-', REPOSITORY_FILES);
  const event =
    'byHand' in c.event
      ? { name: 'workflow_dispatch' as const, inputs: c.event.byHand }
      : {
          name: 'repository_dispatch' as const,
          action: 'aml-model-registered',
          clientPayload: {
            model_name: 'iris',
            model_version: c.event.version,
            environment: c.event.environment,
            event_id: '831e1650-001e-001b-66ab-eeb76e069631',
            event_time: '2026-12-07T10:00:00Z',
            workspace:
              c.stages.find(
                (s) => 'environment' in c.event && s.environment === c.event.environment,
              )?.workspace ?? '',
          },
        };
  try {
    return await runWorkflow({
      workflow: join(checkout, COMMITTED_FILES[0].path),
      event,
      vars: Object.fromEntries(c.stages.map((s) => [s.environment, variables(s)])),
      checkout,
      env: { PATH: '/usr/bin:/bin', HOME: dir },
      runId: c.runId ?? '7000',
      approve: (_job, environment) => c.approve?.(environment) ?? true,
      inProcess: (run, env) => rolloutInProcess(run, env, checkout, c),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `exec node <rollout> <phase>`, run in this process with the fake Azure. */
function rolloutInProcess(
  run: string,
  env: Record<string, string>,
  checkout: string,
  c: ChainRun,
): Promise<{ exitCode: number; stdout: string; stderr: string }> | undefined {
  const m = /^exec node \S+\/rollout\.js (\w+)$/.exec(run);
  if (!m || !isPhase(m[1])) return undefined;
  const phase = m[1];
  const out = { stdout: '', stderr: '' };
  const cancel = new AbortController();
  const fake = new FakeAzureMl(c.azure, { faults: c.faults, onKill: () => cancel.abort() });
  return runPhase(phase, readInputs(env), {
    io: gitHubIo({
      summaryFile: env.GITHUB_STEP_SUMMARY,
      outputFile: env.GITHUB_OUTPUT,
      root: checkout,
      stdout: (text) => (out.stdout += text),
      stderr: (text) => (out.stderr += text),
    }),
    az: fake,
    clock: fake.clock(),
    journal: fileJournal(join(env.RUNNER_TEMP, JOURNAL_FILE)),
    idToken: () => Promise.resolve('fake.oidc.token'),
    killGroup: () => undefined,
    signal: cancel.signal,
  }).then((exitCode) => ({ exitCode, ...out }));
}

/** Traffic above 0 on an endpoint. */
export function servingAt(azure: FakeState, stage: Stage): Record<string, number> {
  const traffic = azure.endpoints[stage.workspace]?.[stage.endpoint]?.traffic ?? {};
  return Object.fromEntries(Object.entries(traffic).filter(([, s]) => s > 0));
}

/** The model a deployment of a stage runs, as Azure reports it. */
export function modelOf(azure: FakeState, stage: Stage, deployment: string): string | undefined {
  return azure.endpoints[stage.workspace]?.[stage.endpoint]?.deployments[deployment]?.model;
}
