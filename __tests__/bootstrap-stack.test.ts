import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppRoleAssignment } from '@cdktf/provider-azuread/lib/app-role-assignment';
import { DataAzureadServicePrincipal } from '@cdktf/provider-azuread/lib/data-azuread-service-principal';
import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { Testing } from 'cdktf';
import {
  GRAPH_APP_ROLES,
  PLAN_REFRESH_ACTIONS,
  ROLE_DEFINITION_PROPAGATION,
  constrainRolesCondition,
  rolesTheEnvironmentStackAssigns,
} from '../constructs/infra-identities';
import {
  BOOTSTRAP_STACK_NAME,
  checkBootstrapAgainstEnvironments,
  parseBootstrapConfig,
  type BootstrapConfig,
} from '../lib/bootstrap-config';
import { ConfigError, parseEnvironmentConfig, type EnvironmentConfig } from '../lib/config';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { synthStack } from './support/synth';

const root = join(__dirname, '..');
const FILE = 'config/bootstrap.json';
const bootstrapJson = JSON.parse(readFileSync(join(root, FILE), 'utf8'));
const exampleJson = JSON.parse(readFileSync(join(root, 'config', 'example.json'), 'utf8'));

/** A deep copy of `json` with `edit` applied. */
function variant(json: any, edit: (c: any) => void): any {
  const c = structuredClone(json);
  edit(c);
  return c;
}

function bootstrapFrom(json: unknown): BootstrapConfig {
  const r = parseBootstrapConfig(FILE, JSON.stringify(json));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
}

function problemsOf(json: unknown, source = JSON.stringify(json)): string[] {
  const r = parseBootstrapConfig(FILE, source);
  if (!('problems' in r)) throw new Error('expected problems, got a valid config');
  return r.problems;
}

/** An environment derived from config/example.json: its own resource group and GitHub environment. */
function environment(name: string, edit: (c: any) => void = () => {}): EnvironmentConfig {
  const json = variant(exampleJson, (c) => {
    c.azure.resourceGroup = `rg-mlops-${name}`;
    c.github.environment = name;
    edit(c);
  });
  const r = parseEnvironmentConfig(`config/${name}.json`, JSON.stringify(json));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
}

const staging = environment('staging', (c) => (c.trigger.githubTokenSource = 'out-of-band'));
const production = environment('production');

/** Synthesized stacks by input: several tests read the committed configuration's. */
const synthesizedFrom = new Map<string, string>();

function synth(config: BootstrapConfig, environments: readonly EnvironmentConfig[]): string {
  const key = JSON.stringify([config, environments]);
  if (!synthesizedFrom.has(key)) {
    const app = Testing.app();
    const stack = new BootstrapStack(app, BOOTSTRAP_STACK_NAME, { config, environments });
    synthesizedFrom.set(key, Testing.synth(stack));
  }
  return synthesizedFrom.get(key)!;
}

const synthesized = synth(bootstrapFrom(bootstrapJson), [staging, production]);
const json = JSON.parse(synthesized);
const resources = (type: string): Record<string, any> => json.resource[type] ?? {};
const data = (type: string): Record<string, any> => json.data[type] ?? {};

const PLAN_SP = '${azuread_service_principal.identities_plan_service-principal_F5950423.object_id}';
const APPLY_SP =
  '${azuread_service_principal.identities_apply_service-principal_7D38835F.object_id}';
const OPERATOR = '${data.azurerm_client_config.operator.object_id}';
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';
const RG_STAGING = `${SUB}/resourceGroups/rg-mlops-staging`;
const RG_PRODUCTION = `${SUB}/resourceGroups/rg-mlops-production`;
const ACCOUNT = '${azurerm_storage_account.state_account_58633B45.id}';
/** The state's resource group: every state role is granted there, above the account's lock. */
const STATE_RG = '${azurerm_resource_group.state_resource-group_A8C9B806.id}';
const REFRESH_ROLE_ID = Object.keys(json.resource.azurerm_role_definition)[0];
const REFRESH_ROLE = `\${azurerm_role_definition.${REFRESH_ROLE_ID}.role_definition_resource_id}`;

/** Every role assignment as "who: role @ scope", sorted. */
function grants(tf: any = json): string[] {
  const who = (p: string) =>
    p === PLAN_SP ? 'plan' : p === APPLY_SP ? 'apply' : p === OPERATOR ? 'operator' : p;
  return Object.values<any>(tf.resource.azurerm_role_assignment ?? {})
    .map((a) => {
      const role =
        a.role_definition_name ??
        (a.role_definition_id === REFRESH_ROLE ? '(plan refresh)' : a.role_definition_id);
      return `${who(a.principal_id)}: ${role} @ ${a.scope}`;
    })
    .sort();
}

describe('snapshot (drift)', () => {
  test('bootstrap stack', () => expect(JSON.stringify(json, null, 2)).toMatchSnapshot());
});

describe('state storage', () => {
  test('Entra ID only, no anonymous access, TLS 1.2, versioning and soft delete', () => {
    expect(synthesized).toHaveResourceWithProperties(StorageAccount, {
      name: 'stmlopstfstate01',
      account_replication_type: 'ZRS',
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      allow_nested_items_to_be_public: false,
      min_tls_version: 'TLS1_2',
      https_traffic_only_enabled: true,
      local_user_enabled: false,
      cross_tenant_replication_enabled: false,
      public_network_access_enabled: true,
      blob_properties: {
        versioning_enabled: true,
        delete_retention_policy: { days: 30 },
        container_delete_retention_policy: { days: 30 },
      },
    });
    expect(synthesized).toHaveProviderWithProperties(AzurermProvider, {
      storage_use_azuread: true,
    });
  });

  test('the container is private and managed through ARM (no data-plane call)', () => {
    expect(synthesized).toHaveResourceWithProperties(StorageContainer, {
      name: 'tfstate',
      storage_account_id: ACCOUNT,
      container_access_type: 'private',
    });
  });

  test('the account cannot be deleted without removing its lock first', () => {
    expect(synthesized).toHaveResourceWithProperties(ManagementLock, {
      scope: ACCOUNT,
      lock_level: 'CanNotDelete',
    });
  });

  test('the configured replication and retention are used', () => {
    const s = synth(
      bootstrapFrom(
        variant(bootstrapJson, (c) => {
          c.stateStorage.replication = 'RAGZRS';
          c.stateStorage.retentionDays = 90;
        }),
      ),
      [],
    );
    expect(s).toHaveResourceWithProperties(StorageAccount, {
      account_replication_type: 'RAGZRS',
      blob_properties: {
        versioning_enabled: true,
        delete_retention_policy: { days: 90 },
        container_delete_retention_policy: { days: 90 },
      },
    });
  });

  test('logical IDs of stateful resources are pinned (renaming one replaces it)', () => {
    expect(Object.keys(resources('azurerm_resource_group'))).toEqual([
      'state_resource-group_A8C9B806',
    ]);
    expect(Object.keys(resources('azurerm_storage_account'))).toEqual(['state_account_58633B45']);
    expect(Object.keys(resources('azurerm_storage_container'))).toEqual([
      'state_container_1883D0F8',
    ]);
    expect(Object.keys(resources('azuread_application')).sort()).toEqual([
      'identities_apply_application_7FCE9CC4',
      'identities_plan_application_6F592D2F',
    ]);
  });
});

describe('identities', () => {
  // This repository as GitHub names it, as Terraform references.
  const field = (path: string) =>
    `\${jsondecode(data.github_rest_api.github-repository_A2BB87E6.body).${path}}`;
  const [owner, name] = [field('owner.login'), field('name')];
  const ids = `${owner}@${field('owner.id')}/${name}@${field('id')}`;
  const legacy = `${owner}/${name}`;
  // The immutable prefix: GitHub's own, when its OIDC settings report one (evaluated on
  // GitHub's answers in conditions.test.ts), else built from the IDs.
  const immutable = `\${coalesce(try(try(jsondecode(data.github_rest_api.github-repository_oidc-settings_B83A789F.body), {}).sub_claim_prefix, null), "repo:${ids}")}`;
  const subjects = (tf: any) =>
    Object.values<any>(tf.resource.azuread_application_federated_identity_credential)
      .map(
        (c) =>
          `${c.application_id.includes('_plan_') ? 'plan' : 'apply'}: ${c.display_name} ${c.subject}`,
      )
      .sort();

  test('federated to GitHub with exactly these subjects, both forms by default, and no secret', () => {
    expect(subjects(json)).toEqual([
      `apply: github-immutable-env-infra-production ${immutable}:environment:infra-production`,
      `apply: github-immutable-env-infra-staging ${immutable}:environment:infra-staging`,
      `apply: github-legacy-env-infra-production repo:${legacy}:environment:infra-production`,
      `apply: github-legacy-env-infra-staging repo:${legacy}:environment:infra-staging`,
      `plan: github-immutable-pull-request ${immutable}:pull_request`,
      `plan: github-legacy-pull-request repo:${legacy}:pull_request`,
    ]);
    for (const c of Object.values<any>(
      resources('azuread_application_federated_identity_credential'),
    )) {
      expect(c.issuer).toBe('https://token.actions.githubusercontent.com');
      expect(c.audiences).toEqual(['api://AzureADTokenExchange']);
    }
    expect(resources('azuread_application_password')).toEqual({});
    expect(resources('azuread_service_principal_password')).toEqual({});
    // The repository is read by name through the GitHub provider, after its branches.
    expect(json.data.github_rest_api['github-repository_A2BB87E6']).toMatchObject({
      endpoint: 'repos/contoso/mlops-infra',
    });
    expect(json.provider.github).toEqual([{ owner: 'contoso' }]);
  });

  test.each([
    [
      'immutable',
      [
        `apply: github-immutable-env-infra-prod ${immutable}:environment:infra-prod`,
        `plan: github-immutable-pull-request ${immutable}:pull_request`,
      ],
    ],
    [
      'legacy',
      [
        `apply: github-legacy-env-infra-prod repo:${legacy}:environment:infra-prod`,
        `plan: github-legacy-pull-request repo:${legacy}:pull_request`,
      ],
    ],
  ])('oidcSubject %s: exactly that form, for infra-<environment>', (form, expected) => {
    const s = JSON.parse(
      synth(
        bootstrapFrom(
          variant(bootstrapJson, (c) => {
            c.environments = ['prod'];
            c.github.oidcSubject = form;
          }),
        ),
        [],
      ),
    );
    expect(subjects(s)).toEqual(expected);
  });

  test('the person running the bootstrap stays owner of both applications', () => {
    for (const app of Object.values<any>(resources('azuread_application'))) {
      expect(app.owners).toEqual([
        '${data.azuread_client_config.identities_caller_9A4556A5.object_id}',
      ]);
      expect(app.sign_in_audience).toBe('AzureADMyOrg');
    }
  });

  test('each role: name and scope, nothing on the subscription', () => {
    expect(grants()).toEqual(
      [
        `apply: Contributor @ ${RG_PRODUCTION}`,
        `apply: Contributor @ ${RG_STAGING}`,
        `apply: Reader @ ${STATE_RG}`,
        `apply: Role Based Access Control Administrator @ ${RG_PRODUCTION}`,
        `apply: Role Based Access Control Administrator @ ${RG_STAGING}`,
        `apply: Storage Blob Data Contributor @ ${STATE_RG}`,
        `plan: (plan refresh) @ ${RG_PRODUCTION}`,
        `plan: (plan refresh) @ ${RG_STAGING}`,
        // production writes the dispatch token from a variable, so its refresh reads the secret.
        `plan: Key Vault Secrets User @ ${RG_PRODUCTION}`,
        `plan: Reader @ ${STATE_RG}`,
        `plan: Reader @ ${RG_PRODUCTION}`,
        `plan: Reader @ ${RG_STAGING}`,
        `plan: Storage Blob Data Reader @ ${STATE_RG}`,
        // The person running the bootstrap, to migrate local state into the container.
        `operator: Storage Blob Data Contributor @ ${STATE_RG}`,
      ].sort(),
    );
    for (const [id, a] of Object.entries<any>(resources('azurerm_role_assignment'))) {
      if (id !== 'operator-state-writer') expect(a.principal_type).toBe('ServicePrincipal');
    }
  });

  test('plan can write nothing: read roles only, and its custom role only reads two URLs', () => {
    const planRoles = grants()
      .filter((g) => g.startsWith('plan: '))
      .map((g) => g.replace(/^plan: (.*) @ .*$/, '$1'));
    expect([...new Set(planRoles)].sort()).toEqual([
      '(plan refresh)',
      'Key Vault Secrets User',
      'Reader',
      'Storage Blob Data Reader',
    ]);
    expect(Object.values<any>(resources('azurerm_role_definition'))).toEqual([
      {
        name: 'amldeploy-infra-plan-refresh-00000000-0000-0000-0000-000000000000',
        scope: SUB,
        description: expect.any(String),
        assignable_scopes: [RG_PRODUCTION, RG_STAGING],
        permissions: [
          {
            actions: [
              'Microsoft.Logic/workflows/triggers/listCallbackUrl/action',
              'Microsoft.EventGrid/systemTopics/eventSubscriptions/getFullUrl/action',
            ],
            not_actions: [],
          },
        ],
      },
    ]);
    expect(PLAN_REFRESH_ACTIONS.every((a) => a.endsWith('/action') && !a.includes('*'))).toBe(true);
  });

  test('apply may assign only the roles the environment stack assigns', () => {
    const assigner = Object.values<any>(resources('azurerm_role_assignment')).find(
      (a) =>
        a.role_definition_name === 'Role Based Access Control Administrator' &&
        a.scope === RG_STAGING,
    );
    expect(assigner.condition_version).toBe('2.0');
    const lookups = data('azurerm_role_definition');
    const guid = (role: string) => {
      const [id] = Object.entries<any>(lookups).find(([, d]) => d.name === role)!;
      expect(lookups[id].scope).toBe(SUB);
      return `\${basename(data.azurerm_role_definition.${id}.role_definition_id)}`;
    };
    expect(assigner.condition).toBe(
      constrainRolesCondition(
        [
          'Contributor',
          'Key Vault Secrets Officer',
          'Key Vault Secrets User',
          'Storage Blob Data Contributor',
        ].map(guid),
      ),
    );
    // One lookup per role and subscription, shared by the environments.
    expect(Object.keys(lookups)).toHaveLength(4);
  });

  test('the condition has the documented "constrain roles" shape', () => {
    expect(constrainRolesCondition(['a', 'b'])).toBe(
      [
        '(',
        ' (',
        "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})",
        ' )',
        ' OR',
        ' (',
        '  @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {a, b}',
        ' )',
        ')',
        'AND',
        '(',
        ' (',
        "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})",
        ' )',
        ' OR',
        ' (',
        '  @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {a, b}',
        ' )',
        ')',
      ].join('\n'),
    );
  });

  test('the roles apply may assign cover every role the environment stack assigns', () => {
    // Synthesizes the real environment stack: a role added there must be added here too.
    for (const env of [
      staging,
      production,
      environment('custom', (c) => (c.role = 'AzureML Data Scientist')),
    ]) {
      const assigned = Object.values<any>(
        JSON.parse(synthStack(env)).resource.azurerm_role_assignment,
      ).map((a) => a.role_definition_name);
      expect(assigned.length).toBeGreaterThan(0);
      expect(rolesTheEnvironmentStackAssigns(env)).toEqual(
        expect.arrayContaining([...new Set(assigned)]),
      );
    }
  });

  test('Microsoft Graph: Application.Read.All for plan, Application.ReadWrite.OwnedBy for apply', () => {
    expect(synthesized).toHaveDataSourceWithProperties(DataAzureadServicePrincipal, {
      client_id: '00000003-0000-0000-c000-000000000000',
    });
    const graph = '${data.azuread_service_principal.identities_microsoft-graph_ED7556F4.object_id}';
    expect(synthesized).toHaveResourceWithProperties(AppRoleAssignment, {
      app_role_id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
      principal_object_id: PLAN_SP,
      resource_object_id: graph,
    });
    expect(synthesized).toHaveResourceWithProperties(AppRoleAssignment, {
      app_role_id: '18a4783c-866b-4cc7-a460-3d5e5662c884',
      principal_object_id: APPLY_SP,
      resource_object_id: graph,
    });
    expect(Object.keys(resources('azuread_app_role_assignment'))).toHaveLength(2);
    expect(GRAPH_APP_ROLES).toEqual({
      'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
      'Application.ReadWrite.OwnedBy': '18a4783c-866b-4cc7-a460-3d5e5662c884',
    });
  });

  test('environments sharing a resource group get one set of assignments', () => {
    const shared = environment('qa', (c) => (c.azure.resourceGroup = 'rg-mlops-staging'));
    const s = JSON.parse(synth(bootstrapFrom(bootstrapJson), [staging, shared]));
    expect(grants(s).filter((g) => g.endsWith(RG_STAGING))).toEqual([
      `apply: Contributor @ ${RG_STAGING}`,
      `apply: Role Based Access Control Administrator @ ${RG_STAGING}`,
      `plan: (plan refresh) @ ${RG_STAGING}`,
      // qa writes the token from a variable: the shared group's refresh reads the secret.
      `plan: Key Vault Secrets User @ ${RG_STAGING}`,
      `plan: Reader @ ${RG_STAGING}`,
    ]);
  });

  test('one refresh role per subscription, assignable only there, named by the whole subscription ID', () => {
    // Two subscriptions whose IDs share their first 8 characters.
    const other = environment(
      'production',
      (c) => (c.azure.subscriptionId = '00000000-2222-2222-2222-222222222222'),
    );
    const s = JSON.parse(synth(bootstrapFrom(bootstrapJson), [staging, other]));
    expect(
      Object.values<any>(s.resource.azurerm_role_definition).map((r) => [
        r.name,
        r.scope,
        r.assignable_scopes,
      ]),
    ).toEqual([
      ['amldeploy-infra-plan-refresh-00000000-0000-0000-0000-000000000000', SUB, [RG_STAGING]],
      [
        'amldeploy-infra-plan-refresh-00000000-2222-2222-2222-222222222222',
        '/subscriptions/00000000-2222-2222-2222-222222222222',
        ['/subscriptions/00000000-2222-2222-2222-222222222222/resourceGroups/rg-mlops-production'],
      ],
    ]);
  });

  test('the refresh role is assigned only after a wait, which a new definition takes again', () => {
    const sleeps = Object.entries<any>(resources('time_sleep'));
    expect(sleeps).toHaveLength(1);
    const [sleepId, sleep] = sleeps[0];
    expect(sleep).toEqual({
      create_duration: ROLE_DEFINITION_PROPAGATION,
      triggers: { role: REFRESH_ROLE },
    });
    const refresh = Object.values<any>(resources('azurerm_role_assignment')).filter(
      (a) => a.role_definition_id === REFRESH_ROLE,
    );
    expect(refresh).toHaveLength(2);
    for (const a of refresh) expect(a.depends_on).toEqual([`time_sleep.${sleepId}`]);
  });

  test('adding an environment moves no address and changes no existing resource', () => {
    const before = JSON.parse(synth(bootstrapFrom(bootstrapJson), [staging, production]));
    const qa = environment('qa');
    const sharesStaging = environment('qa2', (c) => {
      c.azure.resourceGroup = 'rg-mlops-staging';
      c.trigger.githubTokenSource = 'out-of-band';
    });
    const after = JSON.parse(
      synth(bootstrapFrom(bootstrapJson), [staging, qa, sharesStaging, production]),
    );
    for (const type of Object.keys(before.resource)) {
      for (const [id, resource] of Object.entries<any>(before.resource[type])) {
        if (type === 'azurerm_role_definition') {
          // Only its assignable scopes grow, which azurerm updates in place.
          const rest = { ...resource };
          delete rest.assignable_scopes;
          expect(after.resource[type][id]).toMatchObject(rest);
          continue;
        }
        expect([type, id, after.resource[type]?.[id]]).toEqual([type, id, resource]);
      }
    }
  });

  test("a new environment needing another role in a shared group replaces that group's role assigner", () => {
    const assigners = (envs: EnvironmentConfig[]) =>
      Object.entries<any>(
        JSON.parse(synth(bootstrapFrom(bootstrapJson), envs)).resource.azurerm_role_assignment,
      ).filter(([id]) => id.includes('apply-role-assigner'));
    const before = assigners([staging, production]);
    const after = assigners([
      staging,
      production,
      environment('qa', (c) => {
        c.azure.resourceGroup = 'rg-mlops-staging';
        c.role = 'Azure AI Developer';
      }),
    ]);
    // Same addresses; the staging group's condition changes, which azurerm replaces (ForceNew).
    expect(after.map(([id]) => id)).toEqual(before.map(([id]) => id));
    const changed = after.filter(
      ([id, a]) => a.condition !== before.find(([b]) => b === id)![1].condition,
    );
    expect(changed.map(([, a]) => a.scope)).toEqual([RG_STAGING]);
  });

  test('reordering the environments changes nothing', () => {
    expect(synth(bootstrapFrom(bootstrapJson), [production, staging])).toEqual(
      synth(bootstrapFrom(bootstrapJson), [staging, production]),
    );
  });

  test("no role assignment sits under the state account's delete lock", () => {
    const lock = Object.values<any>(resources('azurerm_management_lock'))[0];
    expect(lock.scope).toBe('${azurerm_storage_account.state_account_58633B45.id}');
    for (const a of Object.values<any>(resources('azurerm_role_assignment'))) {
      expect(a.scope).not.toMatch(/azurerm_storage_(account|container)\./);
    }
    // Destroy removes the lock before the container it would otherwise refuse to delete, and
    // it comes only after every role on the state (an upgrade deletes older ones first).
    const stateRoles = Object.entries<any>(resources('azurerm_role_assignment'))
      .filter(([, a]) => a.scope === '${azurerm_resource_group.state_resource-group_A8C9B806.id}')
      .map(([id]) => `azurerm_role_assignment.${id}`);
    expect(stateRoles).toHaveLength(5);
    expect([...lock.depends_on].sort()).toEqual(
      ['azurerm_storage_container.state_container_1883D0F8', ...stateRoles].sort(),
    );
  });
});

test('outputs: what repository settings and backends need, none sensitive', () => {
  expect(Object.keys(json.output).sort()).toEqual([
    'apply_client_id',
    'apply_principal_object_id',
    'plan_client_id',
    'state_container',
    'state_resource_group',
    'state_storage_account',
    'subscription_id',
    'tenant_id',
  ]);
  expect(json.output.plan_client_id.value).toBe(
    '${azuread_application.identities_plan_application_6F592D2F.client_id}',
  );
  expect(json.output.tenant_id.value).toBe('11111111-1111-1111-1111-111111111111');
  expect(Object.values<any>(json.output).some((o) => o.sensitive)).toBe(false);
});

test('tags reach every taggable resource', () => {
  for (const type of ['azurerm_resource_group', 'azurerm_storage_account']) {
    for (const r of Object.values<any>(resources(type))) {
      expect(r.tags).toEqual({ project: 'aml-deploy-pipeline', owner: 'ml-platform' });
    }
  }
});

describe('bootstrap configuration', () => {
  test('the committed example is valid and keeps its values', () => {
    const c = bootstrapFrom(bootstrapJson);
    expect(c).toEqual({
      file: FILE,
      azure: {
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        tenantId: '11111111-1111-1111-1111-111111111111',
        location: 'japaneast',
      },
      stateStorage: {
        resourceGroup: 'rg-mlops-tfstate',
        storageAccount: 'stmlopstfstate01',
        container: 'tfstate',
        replication: 'ZRS',
        retentionDays: 30,
        allowDestroy: false,
      },
      github: {
        owner: 'contoso',
        repository: 'mlops-infra',
        oidcSubject: 'both',
      },
      environments: ['staging', 'production'],
      namePrefix: 'amldeploy',
      tags: { project: 'aml-deploy-pipeline', owner: 'ml-platform' },
    });
    // Same subscription and tenant as the environment example.
    expect(c.azure.subscriptionId).toBe(exampleJson.azure.subscriptionId);
    expect(c.azure.tenantId).toBe(exampleJson.azure.tenantId);
  });

  test('defaults fill every optional field', () => {
    const c = bootstrapFrom({
      azure: bootstrapJson.azure,
      stateStorage: { resourceGroup: 'rg-state', storageAccount: 'ststate' },
      github: { owner: 'contoso', repository: 'infra' },
      environments: ['staging'],
    });
    expect(c.stateStorage).toEqual({
      resourceGroup: 'rg-state',
      storageAccount: 'ststate',
      container: 'tfstate',
      replication: 'ZRS',
      retentionDays: 30,
      allowDestroy: false,
    });
    expect(c.github).toEqual({
      owner: 'contoso',
      repository: 'infra',
      oidcSubject: 'both',
    });
    expect(c.namePrefix).toBe('amldeploy');
    expect(c.tags).toEqual({});
  });

  test('replication: zone-redundant by default where the region has zones, locally redundant elsewhere', () => {
    const at = (location: string, replication?: string) =>
      variant(bootstrapJson, (c) => {
        c.azure.location = location;
        if (replication) c.stateStorage.replication = replication;
        else delete c.stateStorage.replication;
      });
    expect(bootstrapFrom(at('japaneast')).stateStorage.replication).toBe('ZRS');
    expect(bootstrapFrom(at('westcentralus')).stateStorage.replication).toBe('LRS');
    expect(bootstrapFrom(at('westcentralus', 'GRS')).stateStorage.replication).toBe('GRS');
    expect(problemsOf(at('westcentralus', 'ZRS'))).toEqual([
      `${FILE}: stateStorage.replication: "ZRS" is not accepted in westcentralus, which has no availability zones; expected one of "LRS", "GRS", "RAGRS" (or a region with zones)`,
    ]);
    expect(problemsOf(at('ukwest', 'RAGZRS'))).toHaveLength(1);
  });

  test('environments: listed once each, named as config files are', () => {
    expect(problemsOf({ ...bootstrapJson, environments: ['staging', 'Prod', 'staging'] })).toEqual([
      `${FILE}: environments[1]: "Prod" is not accepted; expected an environment name: the base name of a file in config/`,
      `${FILE}: environments[2]: environment "staging" is already used by environments[0]; each entry needs its own`,
    ]);
    expect(problemsOf({ ...bootstrapJson, environments: [] })).toEqual([
      `${FILE}: environments: has 0 entries; expected at least 1`,
    ]);
  });

  test('not JSON: the line and column', () => {
    expect(problemsOf(undefined, '{"azure": ')).toEqual([
      `${FILE}: is not valid JSON: line 1, column 11: expected a value (an object, list, string, number, true, false or null); found the end of the file`,
    ]);
  });

  test('not an object', () => {
    expect(problemsOf([])).toEqual([
      `${FILE}: (file): [] is not accepted; expected an object ({...})`,
    ]);
  });

  test('an empty file names every required section', () => {
    expect(problemsOf({})).toEqual([
      `${FILE}: azure: is required`,
      `${FILE}: stateStorage: is required`,
      `${FILE}: github: is required`,
      `${FILE}: environments: is required`,
    ]);
  });

  test('configured halfway: the missing fields are named', () => {
    expect(
      problemsOf(
        variant(bootstrapJson, (c) => {
          delete c.stateStorage.storageAccount;
          delete c.github.repository;
          delete c.azure.tenantId;
        }),
      ),
    ).toEqual([
      `${FILE}: azure.tenantId: is required`,
      `${FILE}: stateStorage.storageAccount: is required`,
      `${FILE}: github.repository: is required`,
    ]);
  });

  test('unknown fields are named, with the likely intended one', () => {
    expect(
      problemsOf(
        variant(bootstrapJson, (c) => {
          c.stateStorage.storageAcount = c.stateStorage.storageAccount;
          delete c.stateStorage.storageAccount;
          c.planEnvironment = 'x';
        }),
      ),
    ).toEqual([
      `${FILE}: planEnvironment: is not a known field; expected one of $schema, azure, stateStorage, github, environments, namePrefix, tags`,
      `${FILE}: stateStorage.storageAcount: is not a known field; expected one of resourceGroup, storageAccount, container, replication, retentionDays, allowDestroy (did you mean "storageAccount"?)`,
      `${FILE}: stateStorage.storageAccount: is required`,
    ]);
  });

  // Every rule: a value it accepts and one it refuses, with the exact message.
  const rules: [string, (c: any, v: unknown) => void, unknown, unknown, string][] = [
    [
      'azure.subscriptionId',
      (c, v) => (c.azure.subscriptionId = v),
      'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'my-subscription',
      '"my-subscription" is not accepted; expected a GUID such as "00000000-0000-0000-0000-000000000000"',
    ],
    [
      'azure.tenantId',
      (c, v) => (c.azure.tenantId = v),
      '11111111-1111-1111-1111-111111111111',
      42,
      '42 is not accepted; expected a GUID such as "00000000-0000-0000-0000-000000000000"',
    ],
    [
      'azure.location',
      (c, v) => (c.azure.location = v),
      'westeurope',
      'Japan East',
      '"Japan East" is not accepted; expected an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`) (did you mean "japaneast"?)',
    ],
    [
      'stateStorage.resourceGroup',
      (c, v) => (c.stateStorage.resourceGroup = v),
      'rg.state(1)',
      'rg-state.',
      '"rg-state." is not accepted; expected a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
    ],
    [
      'stateStorage.storageAccount',
      (c, v) => (c.stateStorage.storageAccount = v),
      'abc',
      'st-tfstate',
      '"st-tfstate" is not accepted; expected a storage account name: 3-24 lowercase letters or digits',
    ],
    [
      'stateStorage.container',
      (c, v) => (c.stateStorage.container = v),
      'state-files',
      'state--files',
      '"state--files" is not accepted; expected a blob container name: 3-63 lowercase letters, digits or single hyphens, not starting or ending with a hyphen',
    ],
    [
      'stateStorage.replication',
      (c, v) => (c.stateStorage.replication = v),
      'GZRS',
      'zrs',
      '"zrs" is not accepted; expected one of "LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"',
    ],
    [
      'stateStorage.retentionDays',
      (c, v) => (c.stateStorage.retentionDays = v),
      365,
      0,
      '0 is not accepted; expected a whole number from 1 to 365',
    ],
    [
      'github.owner',
      (c, v) => (c.github.owner = v),
      'Contoso-Labs',
      '-contoso',
      '"-contoso" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
    ],
    [
      'github.repository',
      (c, v) => (c.github.repository = v),
      'mlops.infra_2',
      'mlops/infra',
      '"mlops/infra" is not accepted; expected a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
    ],
    [
      'namePrefix',
      (c, v) => (c.namePrefix = v),
      'ml2',
      'ML',
      '"ML" is not accepted; expected a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
    ],
    [
      'tags.cost',
      (c, v) => (c.tags = { cost: v }),
      'team-a',
      7,
      '7 is not accepted; expected a tag value: a string of at most 256 characters',
    ],
  ];

  test.each(rules)('%s', (path, set, good, bad, message) => {
    expect(bootstrapFrom(variant(bootstrapJson, (c) => set(c, good)))).toBeDefined();
    expect(problemsOf(variant(bootstrapJson, (c) => set(c, bad)))).toEqual([
      `${FILE}: ${path}: ${message}`,
    ]);
  });

  test('environments: at least one, and no more than the apply identity has credentials for', () => {
    const set = (v: unknown, form?: string) =>
      variant(bootstrapJson, (c) => {
        c.environments = v;
        if (form) c.github.oidcSubject = form;
      });
    const names = (n: number) => Array.from({ length: n }, (_, i) => `env-${i}`);
    expect(problemsOf(set(names(11)))).toEqual([
      `${FILE}: environments: has 11 entries; expected at most 10: the apply identity trusts one GitHub environment per entry, an application holds at most 20 federated credentials, and "github.oidcSubject": "both" takes 2 per environment`,
    ]);
    expect(bootstrapFrom(set(names(10))).environments).toHaveLength(10);
    expect(bootstrapFrom(set(names(20), 'legacy')).environments).toHaveLength(20);
    expect(problemsOf(set(names(21), 'legacy'))).toEqual([
      `${FILE}: environments: has 21 entries; expected at most 20: the apply identity trusts one GitHub environment per entry, an application holds at most 20 federated credentials, and "github.oidcSubject": "legacy" takes 1 per environment`,
    ]);
  });

  test('every problem in the file at once', () => {
    expect(
      problemsOf(
        variant(bootstrapJson, (c) => {
          c.azure.location = 'mars';
          c.stateStorage.storageAccount = 'X';
          c.namePrefix = '1x';
        }),
      ),
    ).toHaveLength(3);
  });
});

describe('bootstrap and environments together', () => {
  const config = bootstrapFrom(bootstrapJson);
  const backend = {
    resourceGroup: 'rg-mlops-tfstate',
    storageAccount: 'stmlopstfstate01',
    container: 'tfstate',
  };

  test('the committed bootstrap and environment examples fit together', () => {
    const r = parseEnvironmentConfig('config/example.json', JSON.stringify(exampleJson));
    if ('problems' in r) throw new Error(r.problems.join('\n'));
    expect(checkBootstrapAgainstEnvironments(config, [r.config])).toEqual([]);
  });

  test('environments in the same tenant, using the bootstrap state, pass', () => {
    expect(
      checkBootstrapAgainstEnvironments(config, [
        environment('staging', (c) => (c.backend = backend)),
        environment(
          'production',
          (c) => (c.backend = { ...backend, resourceGroup: 'RG-MLOPS-TFSTATE' }),
        ),
      ]),
    ).toEqual([]);
  });

  test('an environment in another tenant', () => {
    expect(
      checkBootstrapAgainstEnvironments(config, [
        environment('staging', (c) => (c.azure.tenantId = '33333333-3333-3333-3333-333333333333')),
      ]),
    ).toEqual([
      'config/staging.json: azure.tenantId: "33333333-3333-3333-3333-333333333333" is not accepted; expected the tenant of config/bootstrap.json ("11111111-1111-1111-1111-111111111111"), where the plan and apply identities live',
    ]);
  });

  test('a backend other than the bootstrap state storage, field by field', () => {
    expect(
      checkBootstrapAgainstEnvironments(config, [
        environment('staging', (c) => {
          c.backend = {
            resourceGroup: 'rg-other',
            storageAccount: 'stother',
            container: 'state',
            subscriptionId: '44444444-4444-4444-4444-444444444444',
          };
        }),
      ]),
    ).toEqual([
      'config/staging.json: backend.resourceGroup: "rg-other" is not accepted; expected "rg-mlops-tfstate", the state storage config/bootstrap.json creates (the plan and apply identities can read state only there)',
      'config/staging.json: backend.storageAccount: "stother" is not accepted; expected "stmlopstfstate01", the state storage config/bootstrap.json creates (the plan and apply identities can read state only there)',
      'config/staging.json: backend.container: "state" is not accepted; expected "tfstate", the state storage config/bootstrap.json creates (the plan and apply identities can read state only there)',
      'config/staging.json: backend.subscriptionId: "44444444-4444-4444-4444-444444444444" is not accepted; expected "00000000-0000-0000-0000-000000000000", the state storage config/bootstrap.json creates (the plan and apply identities can read state only there)',
    ]);
  });

  test('an apply environment that an environment stack deploys models from', () => {
    const infraRepo = environment('staging', (c) => {
      c.github.repository = 'MLOps-Infra';
      c.github.environment = 'INFRA-STAGING';
    });
    expect(checkBootstrapAgainstEnvironments(config, [infraRepo])).toEqual([
      'config/staging.json: github.environment: "INFRA-STAGING" is not accepted; the deploy jobs of this repository run in it for environments[0] of config/bootstrap.json, and the apply identity trusts it; give the model deploy job another environment',
    ]);
    // The same environment name in another repository is no clash.
    expect(
      checkBootstrapAgainstEnvironments(config, [
        environment('staging', (c) => (c.github.environment = 'infra-staging')),
      ]),
    ).toEqual([]);
  });

  test('the stack refuses to synthesize with such problems, naming them', () => {
    const other = environment(
      'staging',
      (c) => (c.azure.tenantId = '33333333-3333-3333-3333-333333333333'),
    );
    expect(() => synth(config, [other])).toThrow(ConfigError);
    expect(() => synth(config, [other])).toThrow(
      'Invalid configuration:\n  config/staging.json: azure.tenantId: "33333333-3333-3333-3333-333333333333" is not accepted;',
    );
  });
});
