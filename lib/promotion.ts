/**
 * Promotion: an environment hands the version that passed it on to the next one. Written once
 * here and used three times: in the configuration (`promotion`), in the two documents the
 * stacks publish to the GitHub environments (AML_PROMOTION: where this environment hands on;
 * AML_PROMOTED_FROM: what feeds it), and by the rollout, which checks them with these rules.
 *
 * When the two environments' workspaces differ, the version travels through an Azure ML
 * registry: the passing stage shares it (`az ml model share`), the next deploys the registry's
 * copy (`azureml://registries/<name>/models/<model>/versions/<version>`). azurerm has no
 * registry resource (v4.55.0: internal/services/machinelearning registers none), so the
 * registry is taken as existing, and identified in full.
 */
import { githubEnvironment, guid, resourceGroup } from './config-fields';
import { object, optional, required, text, type Infer } from './schema';

/**
 * Azure ML registry names: 2-32 letters, digits, "_" or "-", starting with a letter or digit
 * (Microsoft Learn, "Manage Azure Machine Learning registries"); unique in the tenant.
 */
export const registryName = text(
  /^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/,
  'an Azure ML registry name: 2-32 letters, digits, "_" or "-", starting with a letter or digit',
);

/** An existing registry, as the published documents name it (every part given). */
const registryRef = object({
  name: required(registryName),
  resourceGroup: required(resourceGroup),
  subscriptionId: required(guid),
});
export type RegistryRef = Infer<typeof registryRef>;

/**
 * How many promotions may follow one another: the deploy workflow has that many promotion
 * jobs after the first stage (workflows/deploy-model.yml), so a chain has at most four
 * environments (dev → test → staging → production).
 */
export const MAX_PROMOTIONS = 3;

/** AML_PROMOTION: the environment this one hands a passing version to. */
export const promotionDocument = object({
  /** The GitHub environment of the next stage. */
  to: required(githubEnvironment),
  /** The registry the version travels through; none when the two share a workspace. */
  registry: optional(registryRef),
});
export type PromotionDocument = Infer<typeof promotionDocument>;

/** AML_PROMOTED_FROM: the environment that hands versions to this one. */
export const promotedFromDocument = object({
  /** The GitHub environment of the previous stage. */
  from: required(githubEnvironment),
  /** The registry the version comes from; none when the two share a workspace. */
  registry: optional(registryRef),
});
export type PromotedFromDocument = Infer<typeof promotedFromDocument>;

/** The ARM id of a registry: the scope of its role assignments. */
export function registryId(registry: RegistryRef): string {
  return `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.MachineLearningServices/registries/${registry.name}`;
}

/** A model version in a registry, as a deployment names it. */
export function registryModel(registry: string, name: string, version: string): string {
  return `azureml://registries/${registry}/models/${name}/versions/${version}`;
}
