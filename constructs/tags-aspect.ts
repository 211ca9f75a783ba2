import { TerraformResource, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';

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
    const own = taggable.tagsInput as Record<string, string> | undefined;
    taggable.tags = { ...this.tags, ...own };
  }
}
