import { AppRoleAssignment } from '@cdktf/provider-azuread/lib/app-role-assignment';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { DataAzureadServicePrincipal } from '@cdktf/provider-azuread/lib/data-azuread-service-principal';
import { DataAzurermRoleDefinition } from '@cdktf/provider-azurerm/lib/data-azurerm-role-definition';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { Sleep } from '@cdktf/provider-time/lib/sleep';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { infraIdentityNames } from '../lib/bootstrap-config';
import type { EnvironmentConfig } from '../lib/config';
import {
  credentialName,
  githubSubjects,
  type GitHubRepositoryIdentity,
  type OidcSubjectForm,
  type SubjectContext,
} from '../lib/github-oidc';
import { FederatedApplication, type FederatedSubject } from './federated-application';

/** Client (application) ID of Microsoft Graph, the same in every tenant. */
const MICROSOFT_GRAPH_CLIENT_ID = '00000003-0000-0000-c000-000000000000';

/**
 * Microsoft Graph application permissions (app role IDs, the same in every tenant), from
 * the Microsoft Graph permissions reference (learn.microsoft.com/graph/permissions-reference).
 */
export const GRAPH_APP_ROLES = {
  /** Read all applications and service principals: what a refresh of azuread resources needs. */
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  /**
   * Create applications and manage only those the caller owns; also lists all applications.
   * The deploy identities an environment stack manages must have the apply identity as owner.
   */
  'Application.ReadWrite.OwnedBy': '18a4783c-866b-4cc7-a460-3d5e5662c884',
} as const;

/**
 * Actions beyond the read actions Reader grants that a refresh of an environment stack calls
 * (azurerm 4.55): the Logic App HTTP trigger's callback URL and the webhook event
 * subscription's full URL are read with POST actions.
 */
export const PLAN_REFRESH_ACTIONS = [
  'Microsoft.Logic/workflows/triggers/listCallbackUrl/action',
  'Microsoft.EventGrid/systemTopics/eventSubscriptions/getFullUrl/action',
] as const;

/**
 * The roles an environment stack assigns (stacks/aml-deploy-stack.ts and its constructs),
 * hence the only roles the apply identity may assign in that environment's resource group.
 * A test synthesizes the environment stack and checks that this list covers it.
 */
export function rolesTheEnvironmentStackAssigns(env: EnvironmentConfig): string[] {
  const roles = [
    env.role, // the deploy identity (constructs/deploy-identity.ts)
    'Key Vault Secrets Officer', // the deployer writes the dispatch token
    'Key Vault Secrets User', // the Logic App reads it
    'Storage Blob Data Contributor', // Event Grid writes dead letters
  ];
  return [...new Set(roles)];
}

/** One resource group the identities get rights on. */
export interface InfraTarget {
  /**
   * What keys its logical IDs: subscription and resource group, which do not move when
   * environments are added or removed (environment names would: several may share a group).
   */
  readonly key: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Roles the environment stacks assign there; the apply identity may assign only these. */
  readonly assignableRoles: readonly string[];
  /**
   * Whether a refresh reads a Key Vault secret's value: azurerm reads
   * `azurerm_key_vault_secret` with Get Secret even when it is written write-only, so the
   * plan identity then needs `Key Vault Secrets User`.
   */
  readonly refreshReadsSecret: boolean;
}

/** The targets of the environments synthesized with the bootstrap stack, one per resource group. */
export function infraTargets(environments: readonly EnvironmentConfig[]): InfraTarget[] {
  const byGroup = new Map<string, InfraTarget>();
  for (const env of environments) {
    // A GUID has a fixed length, so the key cannot be read two ways.
    const key = `${env.azure.subscriptionId}-${env.azure.resourceGroup}`.toLowerCase();
    const roles = rolesTheEnvironmentStackAssigns(env);
    const readsSecret = env.trigger.githubTokenSource === 'variable';
    const seen = byGroup.get(key);
    byGroup.set(
      key,
      seen
        ? {
            ...seen,
            assignableRoles: [...new Set([...seen.assignableRoles, ...roles])].sort(),
            refreshReadsSecret: seen.refreshReadsSecret || readsSecret,
          }
        : {
            key,
            subscriptionId: env.azure.subscriptionId,
            resourceGroup: env.azure.resourceGroup,
            assignableRoles: [...roles].sort(),
            refreshReadsSecret: readsSecret,
          },
    );
  }
  // Sorted, so reordering the environments changes no list (a role's assignable scopes).
  return [...byGroup.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/**
 * An ABAC condition (version 2.0) for `Role Based Access Control Administrator`: role
 * assignments may be created and deleted only for the given role definition GUIDs.
 * The shape of learn.microsoft.com "Examples to delegate Azure role assignment management
 * with conditions" (Constrain roles): write is checked on the request, delete on the resource.
 */
export function constrainRolesCondition(roleDefinitionGuids: readonly string[]): string {
  const ids = roleDefinitionGuids.join(', ');
  return [
    '(',
    ' (',
    "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})",
    ' )',
    ' OR',
    ' (',
    `  @Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${ids}}`,
    ' )',
    ')',
    'AND',
    '(',
    ' (',
    "  !(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})",
    ' )',
    ' OR',
    ' (',
    `  @Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${ids}}`,
    ' )',
    ')',
  ].join('\n');
}

export interface InfraIdentitiesProps {
  /** Prefix of the application display names and the custom role name. */
  readonly namePrefix: string;
  /** This infrastructure repository as GitHub names it, and the environments its deploy jobs run in. */
  readonly github: {
    readonly repository: GitHubRepositoryIdentity;
    readonly applyEnvironments: readonly string[];
    /** Which subject forms to trust (`githubSubjects`). */
    readonly subjectForm: OidcSubjectForm;
  };
  /**
   * Resource ID of the resource group that holds only the state account: the scope of the
   * state roles. Not the account or container, whose delete lock would block deleting an
   * assignment under it (azurerm issue #11770), so a changed or removed grant could not apply.
   */
  readonly stateResourceGroupId: string;
  /** Resource groups of the environment stacks. */
  readonly targets: readonly InfraTarget[];
}

/** Seconds a new custom role definition takes to be assignable (azurerm issue #19916). */
export const ROLE_DEFINITION_PROPAGATION = '120s';

/**
 * The two identities of this infrastructure repository, both federated to GitHub with no
 * secret:
 * - `plan` (pull requests): reads what the environment stacks manage and their state, so
 *   `cdktf diff` can refresh and plan; it can change nothing in Azure or Entra ID.
 * - `apply` (main, through protected environments): deploys the environment stacks, which
 *   includes creating role assignments, limited to the roles those stacks assign.
 */
export class InfraIdentities extends Construct {
  public readonly plan: FederatedApplication;
  public readonly apply: FederatedApplication;
  /** The role assignments on the state's resource group. */
  public readonly stateRoles: readonly RoleAssignment[];

  constructor(scope: Construct, id: string, props: InfraIdentitiesProps) {
    super(scope, id);
    const { repository, applyEnvironments, subjectForm } = props.github;
    const names = infraIdentityNames(props.namePrefix);
    // One lookup shared by both applications.
    const owners = [new DataAzureadClientConfig(this, 'caller', {}).objectId];
    const subjects = (context: SubjectContext, description: string): FederatedSubject[] =>
      githubSubjects(subjectForm, repository, context).map(({ form, subject, count }) => ({
        name: credentialName(form, context),
        subject,
        count,
        description: `${description} (${form} subject)`,
      }));

    this.plan = new FederatedApplication(this, 'plan', {
      displayName: names.plan,
      notes:
        'Pull requests of the infrastructure repository: cdktf diff (read-only in Azure and Entra ID).',
      owners,
      subjects: subjects({ pullRequest: true }, 'Pull request jobs'),
    });
    this.apply = new FederatedApplication(this, 'apply', {
      displayName: names.apply,
      notes:
        'Deploy jobs of the infrastructure repository in its protected environments: cdktf deploy.',
      owners,
      subjects: applyEnvironments.flatMap((environment) =>
        subjects({ environment }, `Jobs in GitHub environment ${environment}`),
      ),
    });

    this.stateRoles = this.grantState(props.stateResourceGroupId);
    this.grantGraph();
    const refreshRoles = this.planRefreshRoles(props.namePrefix, props.targets);
    for (const target of props.targets) {
      this.grantTarget(target, refreshRoles.get(target.subscriptionId.toLowerCase())!);
    }
  }

  private assign(
    id: string,
    principalId: string,
    scope: string,
    role: { name: string } | { id: string },
    description: string,
    opts: { condition?: string; after?: Sleep } = {},
  ): RoleAssignment {
    return new RoleAssignment(this, id, {
      scope,
      ...('name' in role ? { roleDefinitionName: role.name } : { roleDefinitionId: role.id }),
      principalId,
      principalType: 'ServicePrincipal',
      description,
      ...(opts.condition ? { condition: opts.condition, conditionVersion: '2.0' } : {}),
      ...(opts.after ? { dependsOn: [opts.after] } : {}),
    });
  }

  /**
   * State: apply reads and writes blobs (a deploy takes the lease and writes state); plan
   * only reads them — the diff workflow plans with `-lock=false`, since a plan never writes
   * state. Both read the account itself, which the backend looks up when it is configured
   * with a resource group. Granted on the state resource group, which holds only the account.
   */
  private grantState(scope: string): RoleAssignment[] {
    const { plan, apply } = this;
    const writers = [
      this.assign(
        'plan-state-reader',
        plan.principalId,
        scope,
        { name: 'Storage Blob Data Reader' },
        'cdktf diff reads the state of the environment stacks (plans run with -lock=false)',
      ),
      this.assign(
        'apply-state-writer',
        apply.principalId,
        scope,
        { name: 'Storage Blob Data Contributor' },
        'cdktf deploy locks (blob lease) and writes the state of the environment stacks',
      ),
    ];
    const readers = (['plan', 'apply'] as const).map((who) =>
      this.assign(
        `${who}-state-account-reader`,
        this[who].principalId,
        scope,
        { name: 'Reader' },
        'The azurerm backend looks up the state account when configured with its resource group',
      ),
    );
    return [...writers, ...readers];
  }

  /** Microsoft Graph application permissions (need a Privileged Role Administrator's consent). */
  private grantGraph(): void {
    const graph = new DataAzureadServicePrincipal(this, 'microsoft-graph', {
      clientId: MICROSOFT_GRAPH_CLIENT_ID,
    });
    new AppRoleAssignment(this, 'plan-graph-application-read-all', {
      appRoleId: GRAPH_APP_ROLES['Application.Read.All'],
      principalObjectId: this.plan.principalId,
      resourceObjectId: graph.objectId,
    });
    new AppRoleAssignment(this, 'apply-graph-application-readwrite-ownedby', {
      appRoleId: GRAPH_APP_ROLES['Application.ReadWrite.OwnedBy'],
      principalObjectId: this.apply.principalId,
      resourceObjectId: graph.objectId,
    });
  }

  /**
   * One custom role per subscription, assignable only on that subscription's targets, and
   * a wait after it: Azure takes a while before a new definition can be assigned, and
   * azurerm neither waits nor retries (issue #19916).
   */
  private planRefreshRoles(prefix: string, targets: readonly InfraTarget[]) {
    const bySubscription = new Map<string, InfraTarget[]>();
    for (const t of targets) {
      const key = t.subscriptionId.toLowerCase();
      bySubscription.set(key, [...(bySubscription.get(key) ?? []), t]);
    }
    const roles = new Map<string, { definition: RoleDefinition; ready: Sleep }>();
    for (const [key, group] of bySubscription) {
      const subscriptionId = group[0].subscriptionId;
      const definition = new RoleDefinition(this, `plan-refresh-role-${key}`, {
        name: infraIdentityNames(prefix).planRefreshRole(subscriptionId),
        scope: `/subscriptions/${subscriptionId}`,
        description:
          'The non-read actions a refresh of an aml-deploy environment stack calls: the Logic App trigger callback URL and the event subscription webhook URL',
        permissions: [{ actions: [...PLAN_REFRESH_ACTIONS], notActions: [] }],
        assignableScopes: group.map((t) => resourceGroupId(t.subscriptionId, t.resourceGroup)),
      });
      const ready = new Sleep(this, `plan-refresh-role-${key}-propagation`, {
        createDuration: ROLE_DEFINITION_PROPAGATION,
        // A definition created again waits again.
        triggers: { role: definition.roleDefinitionResourceId },
      });
      roles.set(key, { definition, ready });
    }
    return roles;
  }

  private readonly roleDefinitions = new Map<string, string>();

  /** The GUID of a role (built-in or custom) by name, looked up once per subscription. */
  private roleDefinitionGuid(subscriptionId: string, role: string): string {
    const key = `${subscriptionId}/${role}`.toLowerCase();
    let guid = this.roleDefinitions.get(key);
    if (!guid) {
      // Keyed by the exact name: role names are compared case-insensitively by Azure.
      const definition = new DataAzurermRoleDefinition(this, `role-${key}`, {
        name: role,
        scope: `/subscriptions/${subscriptionId}`,
      });
      // Looked up by name, the data source's role_definition_id is the full resource ID.
      guid = Fn.basename(definition.roleDefinitionId);
      this.roleDefinitions.set(key, guid);
    }
    return guid;
  }

  /** Descriptions name the resource group, never the environments: they force replacement. */
  private grantTarget(
    target: InfraTarget,
    refreshRole: { definition: RoleDefinition; ready: Sleep },
  ): void {
    const { plan, apply } = this;
    const scope = resourceGroupId(target.subscriptionId, target.resourceGroup);
    const key = target.key;
    const where = `the environment stacks in ${target.resourceGroup}`;

    this.assign(
      `plan-reader-${key}`,
      plan.principalId,
      scope,
      { name: 'Reader' },
      `cdktf diff: refresh what ${where} manage`,
    );
    this.assign(
      `plan-refresh-${key}`,
      plan.principalId,
      scope,
      { id: refreshRole.definition.roleDefinitionResourceId },
      `cdktf diff: read the trigger callback URL and the webhook URL of ${where} (already in state)`,
      { after: refreshRole.ready },
    );
    if (target.refreshReadsSecret) {
      this.assign(
        `plan-secret-reader-${key}`,
        plan.principalId,
        scope,
        { name: 'Key Vault Secrets User' },
        `cdktf diff: azurerm refreshes the dispatch token secret of ${where} with Get Secret`,
      );
    }

    this.assign(
      `apply-contributor-${key}`,
      apply.principalId,
      scope,
      { name: 'Contributor' },
      `cdktf deploy: create, change and delete what ${where} manage`,
    );
    const roleGuids = target.assignableRoles.map((role) =>
      this.roleDefinitionGuid(target.subscriptionId, role),
    );
    this.assign(
      `apply-role-assigner-${key}`,
      apply.principalId,
      scope,
      { name: 'Role Based Access Control Administrator' },
      `cdktf deploy: assign only the roles ${where} assign`,
      { condition: constrainRolesCondition(roleGuids) },
    );
  }
}
