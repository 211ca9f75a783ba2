/**
 * The names an end-to-end run gives and looks for: its environment, model, endpoint, the
 * files it commits to the throwaway repository, and the deploy workflow's run name.
 */

/** The environment the run deploys: `config/e2e.json`, stack `aml-deploy-e2e`. */
export const E2E_ENVIRONMENT = 'e2e';
/** The model registered when `E2E_MODEL_NAME` is not set. */
export const DEFAULT_MODEL = 'aml-e2e-iris';
/**
 * The smallest VM size managed online endpoints accept (1 vCPU; "Managed online endpoints SKU
 * list" in the Azure ML docs). Microsoft warns that it can be too small for bigger models; the
 * model here is a logistic regression of a few kilobytes.
 */
export const SMALLEST_SKU = 'Standard_DS1_v2';
/** Tag on every endpoint the run creates: the teardown deletes tagged leftovers of earlier runs. */
export const ENDPOINT_TAG = 'aml-deploy-e2e';
/** Where the run commits what the deploy workflow reads, in the throwaway target repository. */
export const TARGET_FILES = {
  endpointSpec: 'aml-e2e/endpoint.yml',
  deploymentSpec: 'aml-e2e/deployment.yml',
  smokeTestRequest: 'aml-e2e/sample-request.json',
} as const;
/** The model's input columns: the iris measurements, as e2e/make_model.py names them. */
export const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

/**
 * The deploy workflow's `run-name` for a dispatch (workflows/deploy-model.yml): how its run is
 * found among the target repository's runs.
 */
export function runName(model: string, version: string, environment: string): string {
  return `Deploy ${model} version ${version} to ${environment}`;
}

/**
 * Names that are new on every run and attempt. The name prefix goes into the Key Vault name:
 * a destroyed vault stays soft-deleted for 7 days and keeps its name taken, so the next run
 * must not reuse it. Endpoint names are unique per Azure region, across customers.
 */
export function runNames(runId: string, attempt: string): { namePrefix: string; endpoint: string } {
  // 'e' + at most 8 + 1 characters: namePrefix takes 2-10 lowercase letters and digits.
  const id = Number(runId).toString(36).slice(-8);
  const a = (Number(attempt) % 36).toString(36);
  return { namePrefix: `e${id}${a}`, endpoint: `amle2e-${runId}-${attempt}` };
}
