/**
 * A deployment target: one model and the managed online endpoint that serves it. Written
 * once here and used three times: in the environment configuration (`targets[]`), in the
 * `AML_DEPLOYMENT_TARGETS` document the stack publishes, and by the rollout, which checks
 * that document with these same rules before it calls Azure.
 */
import { basename, extname } from 'node:path';
import {
  described,
  integer,
  object,
  optional,
  required,
  text,
  type Field,
  type Infer,
  type Rule,
} from './schema';

// Azure ML asset names: the REST API's pattern for workspace models is
// ^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$; "." is accepted too because names registered through
// the v1 SDK may contain it (e.g. "model.pkl").
export const modelName = text(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/u,
  'an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit',
);

// Managed online endpoint names are unique per region: 3-32 characters, letters, digits, "-".
export const endpointName = text(
  /^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$/u,
  'an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"',
);

/**
 * A path inside the target repository: relative, no "." or ".." folder, no spaces (the
 * rollout passes it to `az` as an argument), ending in one of `extensions`. A leading "./"
 * is refused with the path meant: one spelling per file.
 */
function repoPath(extensions: readonly string[]): Rule<string> {
  const ends = extensions.map((e) => `"${e}"`).join(' or ');
  const endings = extensions.map((e) => e.replace(/\./gu, '\\.')).join('|');
  return text(
    /^(?!\/)(?!-)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._\-/]{1,255}$/u,
    `a relative path in the target repository (letters, digits, ".", "_", "-", "/"; no "." or ".." folder; at most 255) ending in ${ends}`,
    {
      hint: (s) => (/^(?:\.\/)+[^./]/u.test(s) ? s.replace(/^(?:\.\/)+/u, '') : undefined),
      refine: [
        {
          pattern: new RegExp(`(?:${endings})$`, 'u'),
          expected: `a path ending in ${ends}`,
          message: (s) =>
            `a path ending in ${ends}, such as "deploy/${basename(s, extname(s)) || 'file'}${extensions[0]}"`,
        },
      ],
    },
  );
}

/** The fields of a target other than its model, which keys the published document. */
const TARGET_FIELDS = {
  endpoint: required(endpointName),
  endpointSpec: required(repoPath(['.yml', '.yaml'])),
  deploymentSpec: required(repoPath(['.yml', '.yaml'])),
  smokeTestRequest: optional(repoPath(['.json']), { defaultText: 'no smoke test' }),
  canaryPercent: optional(integer(0, 99), { default: 0 }),
  observeMinutes: optional(integer(0, 30), { default: 0 }),
  keepDeployments: optional(integer(1, 10), { default: 1 }),
} as const;

/**
 * What each field of a target means, for the configuration reference and editors. Apart
 * from the rules because the rollout's bundle (workflows/rollout.js, committed in every
 * target repository) takes the rules only: rewording a description must not change it.
 */
const TARGET_DOCS: { readonly [K in 'model' | keyof typeof TARGET_FIELDS]: string } = {
  model: 'Azure ML model name, exactly as registered.',
  endpoint:
    'Managed online endpoint that serves the model; created from `endpointSpec` when missing. One endpoint serves one model.',
  endpointSpec:
    'Path of the endpoint YAML (`az ml online-endpoint create --file`) in the target repository.',
  deploymentSpec:
    'Path of the deployment YAML (`az ml online-deployment create --file`) in the target repository; the model is set by the rollout.',
  smokeTestRequest:
    'Path of a sample request in the target repository: the new deployment must answer it before it gets traffic.',
  canaryPercent:
    'Share of traffic the new deployment gets first, before 100 % (only when another deployment serves).',
  observeMinutes:
    'Minutes the canary serves before the full shift; then the new deployment must still be provisioned, hold its share and answer the smoke test again. Only with `canaryPercent` above 0.',
  keepDeployments:
    'Earlier deployments of the model kept (without traffic) after a successful rollout, for a quick rollback.',
};

type TargetShape = { readonly model: Field<string, 'required'> } & typeof TARGET_FIELDS;

/**
 * One entry of `targets[]` in an environment file. Pure, and built without a spread, so a
 * bundle that does not use it (the rollout's) leaves it and the descriptions out.
 */
export const deploymentTarget = /* @__PURE__ */ object(
  /* @__PURE__ */ described<TargetShape>(
    TARGET_DOCS,
    { model: /* @__PURE__ */ required(modelName) },
    TARGET_FIELDS,
  ),
);
export type DeploymentTarget = Infer<typeof deploymentTarget>;

/** One entry of the `AML_DEPLOYMENT_TARGETS` document, which the model name keys. */
export const publishedTarget = object(TARGET_FIELDS);
export type PublishedTarget = Infer<typeof publishedTarget>;

export function publishTargets(
  targets: readonly DeploymentTarget[],
): Record<string, PublishedTarget> {
  return Object.fromEntries(targets.map(({ model, ...rest }) => [model, rest]));
}
