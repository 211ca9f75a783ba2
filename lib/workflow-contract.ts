/**
 * What the stack publishes to the target repository and the deploy workflow reads:
 * file paths, GitHub environment variable and secret names, and the deployment
 * targets document. Defined once here; `__tests__/contract.test.ts` checks the
 * workflow YAML against them.
 */
import { publishTargets, type DeploymentTarget } from './deployment-target';

/**
 * Source files in this repository (`workflows/`) and where the stack commits them.
 *
 * The rollout script runs with the deploy identity, so it lives under `.github/workflows/`
 * like the workflow itself: GitHub lets only a token with the Workflows permission create or
 * change anything there, and the Logic App's dispatch token has Contents write only (it could
 * otherwise rewrite the code that production deployments run). It sits in a subfolder because
 * GitHub runs only the `*.yml` / `*.yaml` files directly in `.github/workflows` as workflows
 * and does not look into subfolders.
 */
export const COMMITTED_FILES = [
  { source: 'workflows/deploy-model.yml', path: '.github/workflows/aml-deploy-model.yml' },
  // One stage, which the deploy workflow calls for the first environment and each promotion.
  { source: 'workflows/deploy-stage.yml', path: '.github/workflows/aml-deploy-stage.yml' },
  // Generated from rollout/ (npm run build:rollout); runs on the Node.js the workflow sets up.
  { source: 'workflows/rollout.js', path: '.github/workflows/aml-deploy/rollout.js' },
] as const;

/** Path of the deploy workflow in the target repository. */
export const DEPLOY_WORKFLOW_PATH = COMMITTED_FILES[0].path;
/** Where the rollout bundle lands in the target repository. */
export const ROLLOUT_PATH = COMMITTED_FILES[2].path;
/** The reusable workflow of one stage, in the target repository. */
export const STAGE_WORKFLOW_PATH = COMMITTED_FILES[1].path;

/** The branch that carries the files in `pull-request` delivery. */
export const WORKFLOW_UPDATE_BRANCH = 'aml-deploy-pipeline/workflow';

/** Non-secret values, published as GitHub environment variables. */
export const VARIABLE_NAMES = {
  authMode: 'AZURE_AUTH_MODE',
  clientId: 'AZURE_CLIENT_ID',
  tenantId: 'AZURE_TENANT_ID',
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  resourceGroup: 'AML_RESOURCE_GROUP',
  workspace: 'AML_WORKSPACE',
  deploymentTargets: 'AML_DEPLOYMENT_TARGETS',
  /** JSON (lib/promotion.ts promotionDocument), or "": where a passing version goes next. */
  promotion: 'AML_PROMOTION',
  /** JSON (lib/promotion.ts promotedFromDocument), or "": what feeds this environment. */
  promotedFrom: 'AML_PROMOTED_FROM',
} as const;

/**
 * GitHub's limit on one Actions variable. The configuration's limits (25 targets, names and
 * paths of bounded length) keep `AML_DEPLOYMENT_TARGETS` below it; a test holds them to it.
 */
export const GITHUB_VARIABLE_MAX_BYTES = 48 * 1024;

/** Secrets, published as GitHub environment secrets (client-secret mode only). */
export const SECRET_NAMES = {
  /** JSON `{clientId, clientSecret, subscriptionId, tenantId}`, the shape azure/login's `creds` reads. */
  azureCredentials: 'AZURE_CREDENTIALS',
} as const;

/** The `AML_DEPLOYMENT_TARGETS` value: `{ "<model name>": PublishedTarget }` as JSON (lib/deployment-target.ts). */
export function deploymentTargetsDocument(targets: readonly DeploymentTarget[]): string {
  return JSON.stringify(publishTargets(targets));
}
