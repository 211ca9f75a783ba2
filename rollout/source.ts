/**
 * Where the version comes from, checked before anything changes: registered in this
 * environment's workspace, or, for a promotion between workspaces, shared into the registry
 * by the previous stage, and usable here (the registry replicates to this workspace's region:
 * Microsoft Learn, "Share models across workspaces with registries").
 */
import { failureReason, isNotFound, parseJson } from './az';
import { call, type Rollout } from './azure-state';
import { isPlainObject } from '../lib/schema';
import type { RegistryRef } from '../lib/promotion';

export async function checkSource(r: Rollout): Promise<void> {
  const { modelName: name, modelVersion: version, source, workspace } = r.request;
  const registry = source.registry?.name;
  const shown = await call(r, (ml) => ml.showModel(name, version, registry));
  if (!shown.ok && !isNotFound(shown)) {
    r.ctx.fail(
      `Model ${name} version ${version} could not be read from ${source.label}: ${failureReason(shown)}`,
    );
  }
  if (!shown.ok && registry === undefined) {
    r.ctx.fail(`Model ${name} version ${version} is not registered in workspace ${workspace}.`);
  }
  if (!shown.ok) {
    r.ctx.fail(
      `Model ${name} version ${version} is not in registry ${registry}: ${source.promotedFrom} shares a version there once its rollout succeeded, so this one has not passed it.`,
    );
  }
  if (source.registry) await checkRegion(r, source.registry);
}

/** Azure's region names, as written in different answers ("West Europe", "westeurope"). */
const region = (value: unknown): string =>
  typeof value === 'string' ? value.replace(/\s/g, '').toLowerCase() : '';

async function checkRegion(r: Rollout, registry: RegistryRef): Promise<void> {
  const shown = await call(r, (ml) =>
    ml.showRegistry(registry.name, registry.resourceGroup, registry.subscriptionId),
  );
  if (!shown.ok) r.ctx.fail(`Reading registry ${registry.name} failed: ${failureReason(shown)}`);
  const workspace = await call(r, (ml) => ml.showWorkspace());
  if (!workspace.ok)
    r.ctx.fail(`Reading workspace ${r.request.workspace} failed: ${failureReason(workspace)}`);
  const registryJson = parseJson(shown.stdout);
  const workspaceJson = parseJson(workspace.stdout);
  const locations =
    'value' in registryJson &&
    isPlainObject(registryJson.value) &&
    Array.isArray(registryJson.value.replication_locations)
      ? registryJson.value.replication_locations.map((l: unknown) =>
          region(isPlainObject(l) ? l.location : undefined),
        )
      : [];
  const here =
    'value' in workspaceJson && isPlainObject(workspaceJson.value)
      ? region(workspaceJson.value.location)
      : '';
  if (here === '' || !locations.includes(here)) {
    r.ctx.fail(
      `Registry ${registry.name} does not replicate to ${here || 'the region of workspace ' + r.request.workspace} (it does to ${locations.join(', ') || 'no region'}): add the region to the registry, then run again. Nothing was changed.`,
    );
  }
}
