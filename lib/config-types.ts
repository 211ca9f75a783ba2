/**
 * The validated, defaults-applied configuration of one environment. Produced by
 * `loadConfig` in `lib/config.ts` from `config/<env>.json`; everything below `main.ts`
 * takes these types, never raw JSON.
 */

/** How the deploy workflow signs in to Azure. */
export type AuthMode = 'oidc' | 'client-secret';

/** One model and the managed online endpoint that serves it. */
export interface DeploymentTarget {
  /** Azure ML model name, exactly as registered. */
  readonly model: string;
  /** Managed online endpoint name. One endpoint serves one model. */
  readonly endpoint: string;
  /** Path of the endpoint spec (YAML for `az ml online-endpoint create`) in the target repository. */
  readonly endpointSpec: string;
  /** Path of the deployment spec (YAML for `az ml online-deployment create`) in the target repository. */
  readonly deploymentSpec: string;
  /** Path of a sample request in the target repository for the smoke test; absent: no smoke test. */
  readonly smokeTestRequest?: string;
  /** Traffic share for the new deployment before it takes 100 % (0: straight to 100 %). */
  readonly canaryPercent: number;
  /** Earlier deployments kept for rollback after a successful rollout. */
  readonly keepDeployments: number;
}

export interface AzureConfig {
  readonly subscriptionId: string;
  readonly tenantId: string;
  /** Azure region name, e.g. `japaneast`. */
  readonly location: string;
  /** Existing resource group, looked up by name. */
  readonly resourceGroup: string;
  /** Existing Azure ML workspace in that resource group, looked up by name. */
  readonly workspace: string;
  /** Existing Event Grid system topic of the workspace; absent: the stack creates one. */
  readonly eventGridSystemTopic?: string;
  /**
   * Object IDs of the principals that run `cdktf deploy` for this environment (in a team:
   * the bootstrap's `apply_principal_object_id`). They own the deploy identity's
   * application and may write the dispatch token. Empty: whoever runs Terraform, read at
   * plan time, which suits one person deploying from a workstation.
   */
  readonly deployers: readonly string[];
}

export interface GitHubConfig {
  readonly owner: string;
  readonly repository: string;
  /** Branch the workflow files are committed to (the repository's default branch). */
  readonly branch: string;
  /** GitHub environment the deploy job runs in. */
  readonly environment: string;
  /** GitHub user logins that must approve a deployment. */
  readonly reviewerUsers: readonly string[];
  /** Team slugs (in `owner`) that may approve a deployment. */
  readonly reviewerTeams: readonly string[];
  /**
   * Whether this environment commits the workflow files. Environments sharing a repository
   * share its workflow, which exactly one of them may own (create, update, destroy).
   */
  readonly commitWorkflow: boolean;
}

export interface AuthConfig {
  readonly mode: AuthMode;
  /** client-secret mode: the password is replaced on the first deploy after this many days. */
  readonly secretRotationDays: number;
}

export interface TriggerConfig {
  /** Email addresses of the action group that hears about failed runs and dead letters. */
  readonly alertEmails: readonly string[];
  /** Key Vault purge protection (cannot be turned off again; blocks reuse of the name for the retention period). */
  readonly keyVaultPurgeProtection: boolean;
  /** `variable`: the token is a sensitive Terraform variable; `out-of-band`: set in Key Vault by a person. */
  readonly githubTokenSource: 'variable' | 'out-of-band';
  /**
   * Object IDs of people who set the token by hand (`az keyvault secret set`); with the
   * deployers, they get `Key Vault Secrets Officer` on the token's vault.
   */
  readonly tokenWriters: readonly string[];
}

/**
 * Remote state in Azure Storage (the `azurerm` backend), created by the bootstrap stack.
 * One blob per stack (`<stack name>.tfstate`), Entra ID authentication, locking by blob lease.
 */
export interface BackendConfig {
  readonly resourceGroup: string;
  readonly storageAccount: string;
  readonly container: string;
  /** Subscription of the state account. */
  readonly subscriptionId: string;
}

export interface EnvironmentConfig {
  /** Environment name: the config file's base name (`config/staging.json` → `staging`). */
  readonly name: string;
  /** The file this came from, for messages. */
  readonly file: string;
  readonly azure: AzureConfig;
  readonly github: GitHubConfig;
  readonly auth: AuthConfig;
  /** Role granted to the deploy identity on the resource group. */
  readonly role: string;
  readonly targets: readonly DeploymentTarget[];
  /** Prefix of every name the stack creates. */
  readonly namePrefix: string;
  /** Tags on every taggable Azure resource the stack creates. */
  readonly tags: Readonly<Record<string, string>>;
  readonly trigger: TriggerConfig;
  /** Remote state; absent: local state (`terraform.<stack>.tfstate` in the project). */
  readonly backend?: BackendConfig;
}
