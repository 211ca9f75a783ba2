/**
 * Configuration of the bootstrap stack: `config/bootstrap.json`, deployed once from a
 * workstation. It names where Terraform state lives and the GitHub repository (this
 * infrastructure repository) whose workflows get the `plan` and `apply` identities.
 *
 * Checked with the same schema combinators and message style as the environment files
 * (`file: field.path: <value> is not accepted; expected ...`), every problem at once.
 */
import type { EnvironmentConfig } from './config-types';
import { BOOTSTRAP_FILE_NAME } from './config';
import { stackName } from './naming';
import {
  blobContainer,
  githubEnvironment,
  githubOwner,
  githubRepository,
  guid,
  location,
  namePrefix,
  renderProblems,
  resourceGroup,
  storageAccountName,
  tags,
} from './config-fields';
import { integer, list, object, oneOf, optional, text } from './schema';

/** The bootstrap stack: `cdktf deploy aml-deploy-bootstrap`. */
export const BOOTSTRAP_STACK_NAME = stackName(BOOTSTRAP_FILE_NAME);

/** Storage redundancy of the state account (`account_replication_type`). */
export const STATE_REPLICATIONS = ['LRS', 'ZRS', 'GRS', 'RAGRS', 'GZRS', 'RAGZRS'] as const;
export type StateReplication = (typeof STATE_REPLICATIONS)[number];

export interface StateStorageConfig {
  /** Resource group the bootstrap stack creates for the state account. */
  readonly resourceGroup: string;
  /** Storage account name: 3-24 lowercase letters or digits, globally unique. */
  readonly storageAccount: string;
  /** Blob container holding one `<stack name>.tfstate` blob per environment stack. */
  readonly container: string;
  readonly replication: StateReplication;
  /** Days a deleted or overwritten state blob (and a deleted container) can be restored. */
  readonly retentionDays: number;
}

export interface BootstrapGitHubConfig {
  /** Owner of this infrastructure repository. */
  readonly owner: string;
  /** This infrastructure repository (not the model repository an environment deploys to). */
  readonly repository: string;
  /**
   * GitHub environments of this repository that the deploy workflow's jobs run in; each is
   * one federated credential of the `apply` identity (`repo:OWNER/REPO:environment:NAME`).
   */
  readonly applyEnvironments: readonly string[];
}

export interface BootstrapConfig {
  /** The file this came from, for messages. */
  readonly file: string;
  readonly azure: {
    readonly subscriptionId: string;
    readonly tenantId: string;
    readonly location: string;
  };
  readonly stateStorage: StateStorageConfig;
  readonly github: BootstrapGitHubConfig;
  /**
   * The environments (`config/<name>.json`) whose resource groups and state the plan and
   * apply identities get rights on. Listed here, not taken from the run's selection, so
   * deploying the bootstrap for one environment cannot drop the others' rights.
   */
  readonly environments: readonly string[];
  /** Prefix of the Entra ID applications and the custom role the stack creates. */
  readonly namePrefix: string;
  /** Tags on every taggable Azure resource the stack creates. */
  readonly tags: Readonly<Record<string, string>>;
}

export const DEFAULT_APPLY_ENVIRONMENTS = ['infra-staging', 'infra-production'] as const;

const bootstrapSchema = object({
  azure: object({ subscriptionId: guid, tenantId: guid, location }),
  stateStorage: object({
    resourceGroup,
    storageAccount: storageAccountName,
    container: optional(blobContainer, 'tfstate'),
    replication: optional(oneOf(STATE_REPLICATIONS), 'ZRS'),
    retentionDays: optional(integer(1, 365), 30),
  }),
  github: object({
    owner: githubOwner,
    repository: githubRepository,
    // An Entra ID application takes at most 20 federated credentials.
    applyEnvironments: optional(
      list(githubEnvironment, {
        min: 1,
        max: 20,
        // GitHub compares environment names case-insensitively.
        unique: (e) => e.toLowerCase(),
        uniqueName: 'environment',
      }),
      DEFAULT_APPLY_ENVIRONMENTS,
    ),
  }),
  environments: list(
    text(/^[a-z][a-z0-9-]{0,19}$/, 'an environment name: the base name of a file in config/'),
    { min: 1, unique: (e) => e, uniqueName: 'environment' },
  ),
  namePrefix: optional(namePrefix, 'amldeploy'),
  tags: optional(tags, {}),
});

/**
 * Checks the bootstrap configuration. Pure: `file` is only used in messages. Returns the
 * config with defaults applied, or every problem found.
 */
export function parseBootstrapConfig(
  file: string,
  source: string,
): { config: BootstrapConfig } | { problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    return {
      problems: renderProblems(file, [
        { path: '', message: `is not valid JSON: ${(e as Error).message}` },
      ]),
    };
  }
  const checked = bootstrapSchema(json, '');
  if ('problems' in checked) return { problems: renderProblems(file, checked.problems) };
  const c = checked.value;
  return {
    config: {
      file,
      azure: c.azure,
      stateStorage: c.stateStorage,
      github: c.github,
      environments: c.environments,
      namePrefix: c.namePrefix,
      tags: c.tags,
    },
  };
}

/**
 * The rules between the bootstrap file and the environment files synthesized with it:
 * one tenant (the identities live in the bootstrap's tenant), each environment's backend
 * is the state account the bootstrap creates, and no apply environment is also a deploy
 * environment an environment stack manages. Returns problems rendered like every other.
 */
export function checkBootstrapAgainstEnvironments(
  bootstrap: BootstrapConfig,
  environments: readonly EnvironmentConfig[],
): string[] {
  const problems: string[] = [];
  const state = bootstrap.stateStorage;
  for (const env of environments) {
    if (env.azure.tenantId.toLowerCase() !== bootstrap.azure.tenantId.toLowerCase()) {
      problems.push(
        `${env.file}: azure.tenantId: ${JSON.stringify(env.azure.tenantId)} is not accepted; expected the tenant of ${bootstrap.file} (${JSON.stringify(bootstrap.azure.tenantId)}), where the plan and apply identities live`,
      );
    }
    const backend = env.backend;
    if (backend) {
      const expected = {
        resourceGroup: state.resourceGroup,
        storageAccount: state.storageAccount,
        container: state.container,
        subscriptionId: bootstrap.azure.subscriptionId,
      };
      for (const key of [
        'resourceGroup',
        'storageAccount',
        'container',
        'subscriptionId',
      ] as const) {
        if (backend[key].toLowerCase() === expected[key].toLowerCase()) continue;
        problems.push(
          `${env.file}: backend.${key}: ${JSON.stringify(backend[key])} is not accepted; expected ${JSON.stringify(expected[key])}, the state storage ${bootstrap.file} creates (the plan and apply identities can read state only there)`,
        );
      }
    }
    const g = env.github;
    if (g.owner.toLowerCase() !== bootstrap.github.owner.toLowerCase()) continue;
    if (g.repository.toLowerCase() !== bootstrap.github.repository.toLowerCase()) continue;
    bootstrap.github.applyEnvironments.forEach((name, i) => {
      if (name.toLowerCase() !== g.environment.toLowerCase()) return;
      problems.push(
        `${bootstrap.file}: github.applyEnvironments[${i}]: ${JSON.stringify(name)} is not accepted; ${env.file} deploys models from that GitHub environment of ${g.owner}/${g.repository}, whose deploy identity it trusts; give the infrastructure deploy jobs an environment of their own`,
      );
    });
  }
  return problems;
}

/** Display names of what the bootstrap stack creates in Entra ID and Azure RBAC. */
export function infraIdentityNames(prefix: string) {
  return {
    /** Entra ID application of the identity pull requests diff with. */
    plan: `${prefix}-infra-plan`,
    /** Entra ID application of the identity main deploys with. */
    apply: `${prefix}-infra-apply`,
    /** Custom role with the few non-read actions a refresh of an environment stack calls. */
    planRefreshRole: (subscriptionId: string) =>
      `${prefix}-infra-plan-refresh-${subscriptionId.slice(0, 8).toLowerCase()}`,
  };
}

/** Terraform output names of the bootstrap stack (inputs to repository settings and backends). */
export const BOOTSTRAP_OUTPUT_NAMES = {
  planClientId: 'plan_client_id',
  applyClientId: 'apply_client_id',
  applyPrincipalObjectId: 'apply_principal_object_id',
  tenantId: 'tenant_id',
  subscriptionId: 'subscription_id',
  stateResourceGroup: 'state_resource_group',
  stateStorageAccount: 'state_storage_account',
  stateContainer: 'state_container',
} as const;
