/**
 * Promotion in the configuration: the `promotion` field of an environment file, and the rules
 * between the files of a chain (the next environment exists, in the same repository, with a
 * registry exactly when the workspaces differ...). Read by lib/config.ts only; the published
 * documents and their rules, which the rollout reads too, are in lib/promotion.ts.
 */
import { guid, resourceGroup } from './config-fields';
import {
  MAX_PROMOTIONS,
  registryName,
  type PromotedFromDocument,
  type PromotionDocument,
  type RegistryRef,
} from './promotion';
import { object, optional, required, text, type Infer } from './schema';

/** Environment names: the config file's base name (`config/staging.json` → `staging`). */
const environmentFileName = text(
  /^[a-z][a-z0-9-]{0,19}$/u,
  'an environment of this project: the base name of its config file, such as "production"',
);

/** `promotion` in an environment file. */
export const promotionConfig = object({
  to: required(
    environmentFileName,
    "The environment a version that passed this one goes to next (its config file name): its job runs in the same workflow run, behind its GitHub environment's reviewers. In the same repository; at most three promotions in a row.",
  ),
  registry: optional(
    object({
      name: required(registryName, 'Name of an existing Azure ML registry.'),
      resourceGroup: required(resourceGroup, 'Resource group of the registry.'),
      subscriptionId: optional(guid, 'Subscription of the registry.', {
        defaultText: "this environment's subscription",
      }),
    }),
    "The registry the version travels through (`az ml model share`), when the two environments' workspaces differ; not used when they share one. It must replicate to the next workspace's region. This environment's deploy identity gets AzureML Registry User on it, the next one's Reader.",
    { defaultText: 'none: required when the workspaces differ' },
  ),
});
export type PromotionConfig = Infer<typeof promotionConfig>;

/** What the rules between environments read of one file about promotion, as written. */
export interface ChainNode {
  readonly file: string;
  /** The environment name (file base name). */
  readonly name: string;
  /** The GitHub environment. */
  readonly environment: string;
  readonly repo?: string;
  /** subscription/resource group/workspace, lower case. */
  readonly workspace?: string;
  readonly subscription?: string;
  readonly models: readonly string[];
  readonly promotion?: {
    readonly to: string;
    readonly registry?: {
      readonly name: string;
      readonly resourceGroup: string;
      readonly subscriptionId?: string;
    };
  };
}

/**
 * The rules of a promotion, on the file `s` against every environment file: the next
 * environment exists, is another one, in the same repository, with a target for each model;
 * a registry exactly when the workspaces differ; one environment feeds another at most; no
 * cycle, and at most MAX_PROMOTIONS in a row.
 */
export function promotionProblems(s: ChainNode, all: readonly ChainNode[]): string[] {
  const p = s.promotion;
  if (!p) return [];
  const at = `${s.file}: promotion`;
  if (p.to === s.name)
    return [`${at}.to: ${JSON.stringify(p.to)} is this environment; expected another one`];
  const next = all.find((o) => o.name === p.to);
  if (!next) {
    const names = all.filter((o) => o !== s).map((o) => o.name);
    return [
      `${at}.to: ${JSON.stringify(p.to)} has no config file; expected one of ${names.join(', ') || 'none'}`,
    ];
  }
  const problems: string[] = [];
  if (s.repo !== undefined && next.repo?.toLowerCase() !== s.repo.toLowerCase()) {
    problems.push(
      `${at}.to: ${next.file} deploys from ${next.repo}, not ${s.repo}; a promotion runs in the same workflow run, so both environments must use one repository`,
    );
  }
  const same = s.workspace !== undefined && s.workspace === next.workspace;
  if (same && p.registry) {
    problems.push(
      `${at}.registry: is not used: ${next.file} deploys from the same workspace; remove it`,
    );
  } else if (!same && !p.registry) {
    problems.push(
      `${at}.registry: is required: ${next.file} deploys from another workspace, so the version travels through an Azure ML registry; name it ({ "name", "resourceGroup" })`,
    );
  }
  s.models.forEach((model, i) => {
    if (!next.models.includes(model)) {
      problems.push(
        `${s.file}: targets[${i}].model: ${JSON.stringify(model)} has no target in ${next.file}; every model a stage promotes needs one in the next`,
      );
    }
  });
  const rival = all.find((o) => o !== s && o.promotion?.to === p.to);
  if (rival) {
    problems.push(
      `${at}.to: ${rival.file} promotes to ${JSON.stringify(p.to)} too; an environment is fed by one environment`,
    );
  }
  problems.push(...chainProblems(s, all));
  return problems;
}

function chainProblems(s: ChainNode, all: readonly ChainNode[]): string[] {
  const seen = [s.name];
  for (let n: ChainNode | undefined = s; n?.promotion;) {
    const to: string = n.promotion.to;
    if (seen.includes(to)) {
      return [
        `${s.file}: promotion.to: the chain ${[...seen, to].join(' → ')} comes back to ${to}; expected a chain that ends`,
      ];
    }
    seen.push(to);
    n = all.find((o) => o.name === to);
  }
  const before = (name: string): ChainNode | undefined => all.find((o) => o.promotion?.to === name);
  const first = [s.name];
  for (let b = before(s.name); b && !first.includes(b.name); b = before(b.name))
    first.unshift(b.name);
  const chain = [...first, ...seen.slice(1)];
  return chain.length > MAX_PROMOTIONS + 1
    ? [
        `${s.file}: promotion.to: the chain ${chain.join(' → ')} has ${chain.length - 1} promotions; the deploy workflow runs at most ${MAX_PROMOTIONS}`,
      ]
    : [];
}

/** The documents a stack publishes, for environment `s`, from valid promotion settings. */
export function chainDocuments(
  s: ChainNode,
  all: readonly ChainNode[],
): { readonly next?: PromotionDocument; readonly previous?: PromotedFromDocument } {
  const full = (owner: ChainNode): RegistryRef | undefined => {
    const r = owner.promotion?.registry;
    return (
      r && {
        name: r.name,
        resourceGroup: r.resourceGroup,
        subscriptionId: r.subscriptionId ?? owner.subscription ?? '',
      }
    );
  };
  const next = s.promotion && all.find((o) => o.name === s.promotion?.to);
  const previous = all.find((o) => o.promotion?.to === s.name);
  const registry = (owner: ChainNode) => {
    const r = full(owner);
    return r ? { registry: r } : {};
  };
  return {
    ...(next ? { next: { to: next.environment, ...registry(s) } } : {}),
    ...(previous ? { previous: { from: previous.environment, ...registry(previous) } } : {}),
  };
}
