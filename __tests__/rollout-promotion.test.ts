/**
 * Promotion through the committed workflow files: a registration in the first environment
 * rolls out there; when it succeeds, the next environment's job (behind its reviewers) rolls
 * out the same version, from the registry the passing stage shared it into, or from the
 * workspace the two share. The rollout's phases run in this process (support/chain.ts),
 * against one fake Azure with each environment's identity limited to what its stack grants.
 *
 * The ml extension's commands and flags used here (Azure/azure-cli-extensions,
 * src/machinelearningservices/azext_mlv2/manual; stored commit 35556b3, the newest public
 * source: 2.44.1's is not published): `model share` --name, --version, --share-with-name,
 * --share-with-version, --registry-name (_params/_model_params.py ~139-145; all five required
 * by custom/model.py ml_model_share's signature), `model show --registry-name`
 * (_params/_model_params.py ~72-77, add_registry_param in _params/_common_params.py),
 * `registry show --name --resource-group` (custom/registry.py ml_registry_show; its output's
 * replication_locations[].location: _format.py transform_registry_single).
 */
import { registryModel } from '../lib/promotion';
import { DEPLOYMENT_TAGS } from '../rollout/steps';
import {
  chainAzure,
  DEV,
  modelOf,
  PRODUCTION,
  REGISTRY,
  runChain,
  servingAt,
  STAGING,
} from './support/chain';
import { summaryRow, summaryText } from './support/rollout-harness';

const CHAIN = [STAGING, PRODUCTION];
const registered = (azure: ReturnType<typeof chainAzure>): string[] =>
  azure.models[`registry:${REGISTRY.name}`].iris;
const status = (jobs: Awaited<ReturnType<typeof runChain>>): Record<string, string> =>
  Object.fromEntries(Object.entries(jobs).map(([name, job]) => [name, job.status]));

test('staging passes: production rolls out the same version, from the registry', async () => {
  const azure = chainAzure(CHAIN);
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
  });

  expect(status(jobs)).toEqual({
    deploy: 'success',
    'promote-1': 'success',
    'promote-2': 'skipped',
    'promote-3': 'skipped',
  });
  expect(servingAt(azure, STAGING)).toEqual({ 'model-v2': 100 });
  expect(registered(azure)).toEqual(['1', '2']);
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v2': 100 });
  expect(modelOf(azure, PRODUCTION, 'model-v2')).toBe(registryModel(REGISTRY.name, 'iris', '2'));
  // The audit: the job summary names the stage that passed it, with the run; Azure's tags
  // record the source.
  const production = jobs['promote-1'];
  expect(production.environment).toBe('production');
  expect(summaryRow(production, 'Source')).toBe('registry mlr-contoso');
  expect(production.summary).toContain(
    '| Promoted from | <code>staging</code> in <a href="https://github.com/contoso/models/actions/runs/7000">run 7000</a> |',
  );
  expect(azure.endpoints['mlw-prod']['iris-prod'].deployments['model-v2'].tags).toMatchObject({
    [DEPLOYMENT_TAGS.source]: 'registry mlr-contoso',
    [DEPLOYMENT_TAGS.promotedFrom]: 'staging',
    [DEPLOYMENT_TAGS.runUrl]: 'https://github.com/contoso/models/actions/runs/7000',
  });
  expect(summaryText(jobs.deploy)).toContain('Shared iris version 2 into registry mlr-contoso.');
  expect(summaryText(jobs.deploy)).toContain('Promoted to production');
});

test.each([
  ['the smoke test', 'ml online-endpoint invoke'],
  ['the canary-less full shift', 'ml online-endpoint update'],
  ['the create', 'ml online-deployment create'],
])('staging fails at %s: nothing reaches production or the registry', async (_label, command) => {
  const azure = chainAzure(CHAIN);
  const at = command === 'ml online-endpoint update' ? 2 : 1;
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
    faults: [{ command, at, kind: 'fail' }],
  });

  expect(status(jobs)).toMatchObject({ deploy: 'failure', 'promote-1': 'skipped' });
  expect(servingAt(azure, STAGING)).toEqual({ 'model-v1': 100 });
  expect(registered(azure)).toEqual(['1']);
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
});

test("production's reviewers reject: staging keeps serving the version, production is unchanged", async () => {
  const azure = chainAzure(CHAIN);
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
    approve: (environment) => environment !== 'production',
  });

  expect(status(jobs)).toMatchObject({ deploy: 'success', 'promote-1': 'failure' });
  expect(servingAt(azure, STAGING)).toEqual({ 'model-v2': 100 });
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
  expect(Object.keys(azure.endpoints['mlw-prod']['iris-prod'].deployments)).toEqual(['model-v1']);
});

test('the registry share fails: staging serves the version, production is untouched, the run says why', async () => {
  const azure = chainAzure(CHAIN);
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
    faults: [{ command: 'ml model share', kind: 'fail' }],
  });

  expect(status(jobs)).toMatchObject({ deploy: 'failure', 'promote-1': 'skipped' });
  expect(servingAt(azure, STAGING)).toEqual({ 'model-v2': 100 });
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
  expect(summaryRow(jobs.deploy, 'Outcome')).toBe('succeeded');
  expect(summaryText(jobs.deploy)).toContain(
    'Sharing iris version 2 into registry mlr-contoso failed: ERROR: (fake az) injected failure: the copy failed. It serves here; the next stage was not started.',
  );
});

test('the production rollout fails: production is restored to what served before', async () => {
  const azure = chainAzure(CHAIN);
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
    // Production's create is the second of the run.
    faults: [{ command: 'ml online-deployment create', at: 2, kind: 'fail' }],
  });

  expect(status(jobs)).toMatchObject({ deploy: 'success', 'promote-1': 'failure' });
  expect(servingAt(azure, STAGING)).toEqual({ 'model-v2': 100 });
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
  expect(summaryText(jobs['promote-1'])).toContain(
    'Deleting model-v2 was started (it serves nothing)',
  );
});

test('a duplicate event: staging is unchanged and hands nothing on; production is asked once', async () => {
  const azure = chainAzure(CHAIN);
  await runChain({ azure, stages: CHAIN, event: { environment: 'staging', version: '2' } });
  const asked: string[] = [];
  const again = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
    approve: (environment) => {
      asked.push(environment);
      return true;
    },
  });

  expect(status(again)).toMatchObject({ deploy: 'success', 'promote-1': 'skipped' });
  expect(summaryRow(again.deploy, 'Outcome')).toBe('unchanged');
  expect(asked).toEqual(['staging']);
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v2': 100 });
});

test('the same version registered in production while its promotion waits: one rollout, no double deploy', async () => {
  const azure = chainAzure(CHAIN);
  azure.models['mlw-prod'] = { iris: ['2'] };
  let direct: Awaited<ReturnType<typeof runChain>> | undefined;
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
    // Production's own trigger fires while its reviewers have not decided yet.
    approve: async (environment) => {
      if (environment === 'production' && !direct) {
        direct = await runChain({
          azure,
          stages: CHAIN,
          runId: '7001',
          event: { environment: 'production', version: '2' },
        });
      }
      return true;
    },
  });

  expect(direct && status(direct)).toMatchObject({ deploy: 'success', 'promote-1': 'skipped' });
  expect(direct && summaryRow(direct.deploy, 'Source')).toBe('workspace mlw-prod');
  // The promotion then finds version 2 serving: nothing to do.
  expect(summaryRow(jobs['promote-1'], 'Outcome')).toBe('unchanged');
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v2': 100 });
  const creates = azure.calls.filter(
    (c) => c.slice(0, 3).join(' ') === 'ml online-deployment create',
  );
  expect(creates.filter((c) => c.includes('iris-prod'))).toHaveLength(1);
});

test('a chain of three: dev and staging share a workspace (no registry), staging to production through it', async () => {
  const chain = [DEV, { ...STAGING, from: { environment: 'dev', registry: false } }, PRODUCTION];
  const azure = chainAzure(chain);
  const jobs = await runChain({
    azure,
    stages: chain,
    event: { environment: 'dev', version: '3' },
  });

  expect(status(jobs)).toEqual({
    deploy: 'success',
    'promote-1': 'success',
    'promote-2': 'success',
    'promote-3': 'skipped',
  });
  for (const stage of chain) expect(servingAt(azure, stage)).toEqual({ 'model-v3': 100 });
  // dev hands on within the workspace: only staging shares into the registry.
  expect(summaryRow(jobs['promote-1'], 'Source')).toBe('workspace mlw-shared');
  expect(summaryRow(jobs['promote-2'], 'Source')).toBe('registry mlr-contoso');
  expect(registered(azure)).toEqual(['1', '3']);
});

describe('by hand (workflow_dispatch)', () => {
  const byHand = (inputs: Record<string, string>) => ({
    byHand: {
      model_name: 'iris',
      event_id: '',
      event_time: '',
      workspace: '',
      promoted_from: '',
      ...inputs,
    },
  });

  test('promotes a version that passed staging (it is in the registry) into production', async () => {
    const azure = chainAzure(CHAIN);
    azure.models[`registry:${REGISTRY.name}`].iris.push('4');
    const jobs = await runChain({
      azure,
      stages: CHAIN,
      event: byHand({ model_version: '4', environment: 'production', promoted_from: 'staging' }),
    });

    expect(jobs.deploy.status).toBe('success');
    expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v4': 100 });
    expect(jobs.deploy.summary).toContain('| Promoted from | <code>staging</code> (by hand) |');
  });

  test('refuses a version staging never shared: it has not passed staging', async () => {
    const azure = chainAzure(CHAIN);
    const jobs = await runChain({
      azure,
      stages: CHAIN,
      event: byHand({ model_version: '4', environment: 'production', promoted_from: 'staging' }),
    });

    expect(jobs.deploy.status).toBe('failure');
    expect(summaryText(jobs.deploy)).toContain(
      'Model iris version 4 is not in registry mlr-contoso: staging shares a version there once its rollout succeeded, so this one has not passed it.',
    );
    expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
  });

  test('rolls production back to an earlier registry version', async () => {
    const azure = chainAzure(CHAIN);
    await runChain({ azure, stages: CHAIN, event: { environment: 'staging', version: '2' } });
    const jobs = await runChain({
      azure,
      stages: CHAIN,
      event: byHand({ model_version: '1', environment: 'production', promoted_from: 'staging' }),
    });

    expect(jobs.deploy.status).toBe('success');
    expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
  });

  test('refuses a promotion from an environment that does not feed this one, before any Azure call', async () => {
    const azure = chainAzure(CHAIN);
    const jobs = await runChain({
      azure,
      stages: CHAIN,
      event: byHand({ model_version: '2', environment: 'production', promoted_from: 'dev' }),
    });

    expect(jobs.deploy.status).toBe('failure');
    expect(azure.calls).toEqual([]);
    expect(summaryText(jobs.deploy)).toContain(
      'PROMOTED_FROM: "dev" is not accepted; environment production is fed by "staging" (AML_PROMOTED_FROM)',
    );
  });
});

test("a registry that does not replicate to production's region fails before any change", async () => {
  const azure = chainAzure(CHAIN);
  azure.locations = { 'mlw-prod': 'brazilsouth' };
  const jobs = await runChain({
    azure,
    stages: CHAIN,
    event: { environment: 'staging', version: '2' },
  });

  expect(status(jobs)).toMatchObject({ deploy: 'success', 'promote-1': 'failure' });
  expect(summaryText(jobs['promote-1'])).toContain(
    'Registry mlr-contoso does not replicate to brazilsouth (it does to japaneast, westeurope): add the region to the registry, then run again. Nothing was changed.',
  );
  expect(servingAt(azure, PRODUCTION)).toEqual({ 'model-v1': 100 });
});

test("each identity uses only what its stack grants: production's cannot write to the registry", async () => {
  const azure = chainAzure(CHAIN);
  // A production that (wrongly) promoted on would need the write it does not have.
  expect(azure.access?.[PRODUCTION.client]).toEqual([
    'workspace:mlw-prod',
    `registry:${REGISTRY.name}:read`,
  ]);
  expect(azure.access?.[STAGING.client]).toEqual([
    'workspace:mlw-shared',
    `registry:${REGISTRY.name}:write`,
  ]);
  await runChain({ azure, stages: CHAIN, event: { environment: 'staging', version: '2' } });
  const shares = azure.calls.filter((c) => c[1] === 'model' && c[2] === 'share');
  expect(shares).toHaveLength(1);
});
