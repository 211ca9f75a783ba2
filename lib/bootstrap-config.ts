/**
 * Configuration of the bootstrap stack: `config/bootstrap.json`, deployed once from a
 * workstation. It names where Terraform state lives and the GitHub repository (this
 * infrastructure repository) whose workflows get the `plan` and `apply` identities.
 *
 * Checked with the same schema combinators and message style as the environment files
 * (`file: field.path: <value> is not accepted; expected ...`), every problem at once.
 */
import {
  AZURE_REGIONS,
  hasPair,
  hasZones,
  location,
  regionWarning,
  regionsWhere,
  type AzureRegion,
} from './azure-regions';
import {
  BOOTSTRAP_FILE_NAME,
  readJson,
  schemaReference,
  type EnvironmentConfig,
  type Source,
} from './config';
import {
  DEFAULT_OIDC_SUBJECT,
  MAX_FEDERATED_CREDENTIALS,
  OIDC_SUBJECT_FORMS,
  credentialsPerContext,
  oidcSubjectForm,
  type OidcSubjectForm,
} from './github-oidc';
import { stackName } from './naming';
import {
  blobContainer,
  githubOwner,
  githubRepository,
  guid,
  namePrefix,
  renderProblems,
  withoutSchemaReference,
  resourceGroup,
  storageAccountName,
  tags,
} from './config-fields';
import {
  boolean,
  integer,
  isPlainObject,
  list,
  object,
  oneOf,
  optional,
  required,
  show,
  text,
  type Infer,
  type Problem,
} from './schema';

/** The bootstrap stack: `cdktf deploy aml-deploy-bootstrap`. */
export const BOOTSTRAP_STACK_NAME = stackName(BOOTSTRAP_FILE_NAME);

/** Storage redundancy of the state account (`account_replication_type`). */
const STATE_REPLICATIONS = ['LRS', 'ZRS', 'GRS', 'RAGRS', 'GZRS', 'RAGZRS'] as const;
export type StateReplication = (typeof STATE_REPLICATIONS)[number];
const ZONE_REDUNDANT: readonly StateReplication[] = ['ZRS', 'GZRS', 'RAGZRS'];
/** Replicated to the region's pair (Azure Storage redundancy: geo-redundant storage). */
const GEO_REDUNDANT: readonly StateReplication[] = ['GRS', 'RAGRS', 'GZRS', 'RAGZRS'];

/** Zone-redundant where the region has availability zones, locally redundant elsewhere. */
function defaultStateReplication(region: AzureRegion): StateReplication {
  return hasZones(region) ? 'ZRS' : 'LRS';
}

/**
 * The GitHub environment of this repository the deploy job of an environment runs in
 * (`.github/workflows/deploy-stack.yml` writes `infra-${{ inputs.environment }}`): the apply
 * identity trusts exactly these, one per entry of `environments`.
 */
export function applyEnvironment(environment: string): string {
  return `infra-${environment}`;
}

/** How many environments the apply identity can trust with a subject form. */
function maxEnvironments(form: OidcSubjectForm): number {
  return Math.floor(MAX_FEDERATED_CREDENTIALS / credentialsPerContext(form));
}

/**
 * The rules between fields that a JSON Schema can say too, for editors (crossFieldProblems
 * checks them with the messages the app prints): the replication the region takes, and no
 * more environments than the apply identity has federated credentials for.
 */
const BOOTSTRAP_RULES_SCHEMA = {
  allOf: [
    ...(
      [
        [regionsWhere((r) => !r.zones), ZONE_REDUNDANT],
        [regionsWhere((r) => !r.paired), GEO_REDUNDANT],
      ] as const
    ).map(([regions, replications]) => ({
      if: {
        required: ['azure'],
        properties: {
          azure: { required: ['location'], properties: { location: { enum: regions } } },
        },
      },
      then: {
        properties: {
          stateStorage: { properties: { replication: { not: { enum: replications } } } },
        },
      },
    })),
    ...OIDC_SUBJECT_FORMS.map((form) => ({
      // The default form applies when the field is left out, as crossFieldProblems reads it.
      if:
        form === DEFAULT_OIDC_SUBJECT
          ? { properties: { github: { properties: { oidcSubject: { const: form } } } } }
          : {
              required: ['github'],
              properties: {
                github: { required: ['oidcSubject'], properties: { oidcSubject: { const: form } } },
              },
            },
      then: { properties: { environments: { maxItems: maxEnvironments(form) } } },
    })),
  ],
};

export const bootstrapSchema = object(
  {
    $schema: schemaReference,
    azure: required(
      object({
        subscriptionId: required(
          guid,
          "Subscription of the state storage (and of the custom role's first scope).",
        ),
        tenantId: required(
          guid,
          'Entra ID tenant where the plan and apply identities are created.',
        ),
        location: required(
          location,
          'Azure region of the state storage. Public Azure only; a restricted-access region is accepted with a warning.',
        ),
      }),
      'Where the state storage lives.',
    ),
    stateStorage: required(
      object({
        resourceGroup: required(
          resourceGroup,
          'Resource group the bootstrap creates for the state account. Keep nothing else in it: the state roles are granted on it.',
        ),
        storageAccount: required(
          storageAccountName,
          'Name of the state storage account (globally unique).',
        ),
        container: optional(
          blobContainer,
          'Blob container holding one `<stack>.tfstate` blob per environment stack.',
          {
            default: 'tfstate',
          },
        ),
        replication: optional(
          oneOf(STATE_REPLICATIONS),
          "Storage redundancy. ZRS, GZRS and RAGZRS need a region with availability zones; GRS, RAGRS, GZRS and RAGZRS replicate to the region's pair, so they need a region that has one.",
          { defaultText: '`ZRS` where the region has availability zones, `LRS` elsewhere' },
        ),
        retentionDays: optional(
          integer(1, 365),
          'Days a deleted or overwritten state blob, and a deleted container, can be restored.',
          { default: 30 },
        ),
        allowDestroy: optional(
          boolean,
          "`false`: `cdktf destroy` of the bootstrap stops at plan (Terraform's prevent_destroy on the resource group, account and container), and the account keeps its delete lock. `true`: destroy removes the lock, then the account with every state in it. Set it only to tear the state storage down on purpose, after moving the states elsewhere.",
          { default: false },
        ),
      }),
      "The storage account that holds every environment stack's state.",
    ),
    github: required(
      object({
        owner: required(githubOwner, 'Owner of **this** infrastructure repository.'),
        repository: required(
          githubRepository,
          '**This** infrastructure repository (not a model repository).',
        ),
        oidcSubject: optional(
          oidcSubjectForm,
          `Which OIDC subject form the plan and apply identities trust (see the environment field \`github.oidcSubject\`). An application holds at most ${MAX_FEDERATED_CREDENTIALS} federated credentials, so \`both\` allows ${maxEnvironments('both')} environments and one form ${maxEnvironments('legacy')}.`,
          { default: DEFAULT_OIDC_SUBJECT },
        ),
      }),
      'This infrastructure repository, whose workflows get the plan and apply identities.',
    ),
    environments: required(
      list(
        text(/^[a-z][a-z0-9-]{0,19}$/u, 'an environment name: the base name of a file in config/'),
        {
          min: 1,
          unique: (e) => e,
          uniqueName: 'environment',
        },
      ),
      `The environments (\`config/<name>.json\`) whose resource groups and state the identities get rights on, in the order the deploy workflow deploys them. Each one's deploy job runs in the GitHub environment \`${applyEnvironment('<name>')}\` of this repository, which the apply identity trusts.`,
    ),
    namePrefix: optional(
      namePrefix,
      'Prefix of the applications and the custom role the stack creates.',
      {
        default: 'amldeploy',
      },
    ),
    tags: optional(tags, 'Tags on the resource group and the account.', { default: {} }),
  },
  BOOTSTRAP_RULES_SCHEMA,
);

type BootstrapFile = Infer<typeof bootstrapSchema>;

/** The validated `config/bootstrap.json`, defaults applied. */
export type BootstrapConfig = Omit<BootstrapFile, 'stateStorage' | '$schema'> & {
  /** The file this came from, for messages. */
  readonly file: string;
  readonly stateStorage: Required<BootstrapFile['stateStorage']>;
};

/** The replications a region takes: zone-redundant ones need zones, geo-redundant ones a pair. */
function replicationsIn(region: AzureRegion): StateReplication[] {
  return STATE_REPLICATIONS.filter(
    (r) =>
      (hasZones(region) || !ZONE_REDUNDANT.includes(r)) &&
      (hasPair(region) || !GEO_REDUNDANT.includes(r)),
  );
}

/** The rules between fields, read from the JSON as written (so they run whatever else is broken). */
function crossFieldProblems(json: unknown): Problem[] {
  const problems: Problem[] = [];
  const at = (o: unknown, key: string) => (isPlainObject(o) ? o[key] : undefined);
  const region = at(at(json, 'azure'), 'location');
  const replication = at(at(json, 'stateStorage'), 'replication');
  if (
    (AZURE_REGIONS as readonly unknown[]).includes(region) &&
    (STATE_REPLICATIONS as readonly unknown[]).includes(replication) &&
    !replicationsIn(region as AzureRegion).includes(replication as StateReplication)
  ) {
    const r = region as AzureRegion;
    const rep = replication as StateReplication;
    const lacks = [
      ...(ZONE_REDUNDANT.includes(rep) && !hasZones(r)
        ? [{ what: 'availability zones', wanted: 'zones' }]
        : []),
      ...(GEO_REDUNDANT.includes(rep) && !hasPair(r)
        ? [{ what: 'region pair to replicate to', wanted: 'a pair' }]
        : []),
    ];
    const accepted = replicationsIn(r)
      .map((x) => show(x))
      .join(', ');
    problems.push({
      path: 'stateStorage.replication',
      message: `${show(replication)} is not accepted in ${region}, which has no ${lacks.map((l) => l.what).join(' and no ')}; expected one of ${accepted} (or a region with ${lacks.map((l) => l.wanted).join(' and ')})`,
    });
  }
  // The apply identity trusts one GitHub environment per environment.
  const environments = at(json, 'environments');
  const form = at(at(json, 'github'), 'oidcSubject') ?? DEFAULT_OIDC_SUBJECT;
  if (Array.isArray(environments) && (OIDC_SUBJECT_FORMS as readonly unknown[]).includes(form)) {
    const per = credentialsPerContext(form as OidcSubjectForm);
    const max = maxEnvironments(form as OidcSubjectForm);
    if (environments.length > max) {
      problems.push({
        path: 'environments',
        message: `has ${environments.length} entries; expected at most ${max}: the apply identity trusts one GitHub environment per entry, an application holds at most ${MAX_FEDERATED_CREDENTIALS} federated credentials, and "github.oidcSubject": ${show(form)} takes ${per} per environment`,
      });
    }
  }
  return problems;
}

/**
 * Checks the bootstrap configuration. Pure: `file` is only used in messages. Returns the
 * config with defaults applied, or every problem found.
 */
export function parseBootstrapConfig(
  file: string,
  source: Source,
): { config: BootstrapConfig } | { problems: string[] } {
  const read = readJson(file, source);
  if ('problems' in read) return read;
  const checked = bootstrapSchema.check(read.json, '');
  const problems = [
    ...('problems' in checked ? checked.problems : []),
    ...crossFieldProblems(read.json),
  ];
  if (problems.length || 'problems' in checked) return { problems: renderProblems(file, problems) };
  const c = withoutSchemaReference(checked.value);
  return {
    config: {
      ...c,
      file,
      stateStorage: {
        ...c.stateStorage,
        replication: c.stateStorage.replication ?? defaultStateReplication(c.azure.location),
      },
    },
  };
}

/** What a restricted-access region means for the state storage's deploy. */
export function bootstrapWarnings(config: BootstrapConfig): string[] {
  const warning = regionWarning(config.azure.location);
  return warning ? [`${config.file}: azure.location: ${warning}`] : [];
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
    bootstrap.environments.forEach((name, i) => {
      const apply = applyEnvironment(name);
      if (apply.toLowerCase() !== g.environment.toLowerCase()) return;
      problems.push(
        `${env.file}: github.environment: ${JSON.stringify(g.environment)} is not accepted; the deploy jobs of this repository run in it for environments[${i}] of ${bootstrap.file}, and the apply identity trusts it; give the model deploy job another environment`,
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
      `${prefix}-infra-plan-refresh-${subscriptionId.toLowerCase()}`,
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
