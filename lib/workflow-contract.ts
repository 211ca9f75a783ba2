/**
 * What the stack publishes to the target repository and the deploy workflow reads:
 * file paths, GitHub environment variable and secret names, and the deployment
 * targets document. Defined once here; `__tests__/contract.test.ts` checks the
 * workflow YAML against them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentTarget } from './config-types';

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
  { source: 'workflows/rollout.sh', path: '.github/workflows/aml-deploy/rollout.sh' },
] as const;

/** Path of the deploy workflow in the target repository. */
export const DEPLOY_WORKFLOW_PATH = COMMITTED_FILES[0].path;

/** Non-secret values, published as GitHub environment variables. */
export const VARIABLE_NAMES = {
  authMode: 'AZURE_AUTH_MODE',
  clientId: 'AZURE_CLIENT_ID',
  tenantId: 'AZURE_TENANT_ID',
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  resourceGroup: 'AML_RESOURCE_GROUP',
  workspace: 'AML_WORKSPACE',
  deploymentTargets: 'AML_DEPLOYMENT_TARGETS',
} as const;

/** Secrets, published as GitHub environment secrets (client-secret mode only). */
export const SECRET_NAMES = {
  /** JSON `{clientId, clientSecret, subscriptionId, tenantId}`, the shape azure/login's `creds` reads. */
  azureCredentials: 'AZURE_CREDENTIALS',
} as const;

/** One entry of the `AML_DEPLOYMENT_TARGETS` document, keyed by model name. */
export interface PublishedTarget {
  readonly endpoint: string;
  readonly endpointSpec: string;
  readonly deploymentSpec: string;
  /** Path of a sample request for the smoke test; empty string: no smoke test. */
  readonly smokeTestRequest: string;
  /** Traffic share given to the new deployment before 100 %; 0: no canary step. */
  readonly canaryPercent: number;
  /** How many earlier deployments to keep for rollback after a successful rollout. */
  readonly keepDeployments: number;
}

/** The `AML_DEPLOYMENT_TARGETS` value: `{ "<model name>": PublishedTarget }` as JSON. */
export function deploymentTargetsDocument(targets: readonly DeploymentTarget[]): string {
  const doc: Record<string, PublishedTarget> = {};
  for (const t of targets) {
    doc[t.model] = {
      endpoint: t.endpoint,
      endpointSpec: t.endpointSpec,
      deploymentSpec: t.deploymentSpec,
      smokeTestRequest: t.smokeTestRequest ?? '',
      canaryPercent: t.canaryPercent,
      keepDeployments: t.keepDeployments,
    };
  }
  return JSON.stringify(doc);
}

/** The files to commit, with their text read from `workflows/` under `projectRoot`. */
export function loadCommittedFiles(projectRoot: string): { path: string; content: string }[] {
  return COMMITTED_FILES.map((f) => ({
    path: f.path,
    content: readFileSync(join(projectRoot, f.source), 'utf8'),
  }));
}
