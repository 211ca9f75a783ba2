import { TerraformResource, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';

/**
 * Resource types whose tag names Azure stores in lower case. azurerm reads them back as Azure
 * returns them (`monitor_metric_alert_resource.go:561` at v4.55.0; azurerm issue #13360,
 * Azure/azure-rest-api-specs#16047), so a tag written as `CostCenter` would show a change on
 * every plan: these get their names lower-cased before they are sent. Azure treats tag names
 * case-insensitively, and the configuration refuses two names that differ only in case, so
 * no two tags can become one.
 */
const LOWER_CASE_TAG_NAMES: ReadonlySet<string> = new Set(['azurerm_monitor_metric_alert']);

/**
 * Puts the configured tags on every Azure resource that takes tags, so a resource
 * added later cannot forget them. Tags a resource sets itself win over these.
 */
export class TagsAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node)) return;
    if (!node.terraformResourceType.startsWith('azurerm_') || !('tagsInput' in node)) return;
    const taggable = node as unknown as { tags: Record<string, string>; tagsInput?: unknown };
    const own = (taggable.tagsInput ?? {}) as Record<string, string>;
    const names = LOWER_CASE_TAG_NAMES.has(node.terraformResourceType)
      ? (tags: Record<string, string>) =>
          Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]))
      : (tags: Record<string, string>) => tags;
    taggable.tags = { ...names({ ...this.tags }), ...names(own) };
  }
}
