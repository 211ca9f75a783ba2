/**
 * Azure public cloud regions as `az account list-locations --query "[].name"` prints them
 * (physical regions; the logical `global`-style names are not deployment targets), with
 * what the configuration's rules need of each:
 *
 * - `zones`: the region has availability zones, which zone-redundant storage (ZRS, GZRS,
 *   RAGZRS) needs;
 * - `paired`: the region has a region pair, which geo-redundant storage (GRS, RAGRS, GZRS,
 *   RAGZRS) replicates to; the newer regions have none ("N/A");
 * - `restricted`: Microsoft opens the region to a subscription only on request.
 *
 * Source: Microsoft Learn "Azure regions list" (MicrosoftDocs/reliability-docs
 * articles/reliability/regions-list.md, ms.date 2025-09-23: the availability zone column,
 * "Paired region" N/A, and the restricted-access icon), and "Azure region pairs and nonpaired
 * regions" (regions-paired.md). A region Microsoft opens later is added here; the check exists
 * to catch `Japan East`, `japan-east` and typos at synth time instead of after a failed apply.
 *
 * Public Azure only: the providers are configured for the public cloud (constructs/azure-defaults.ts
 * sets no `environment`), GitHub's tokens are exchanged for its audience, and the Logic App
 * reads Key Vault at `vault.azure.net`. Sovereign clouds' regions are refused with that reason.
 */
import { oneOf, problem, show, type Rule } from './schema';

interface Region {
  readonly zones: boolean;
  /** `false` where the regions list says the pair is "N/A". */
  readonly paired: boolean;
  readonly restricted?: true;
}

const region = (zones: boolean, paired = true): Region => ({ zones, paired });
const restricted = (zones: boolean): Region => ({ zones, paired: true, restricted: true });

const REGIONS = {
  australiacentral: region(false),
  australiacentral2: restricted(false),
  australiaeast: region(true),
  australiasoutheast: region(false),
  austriaeast: region(true, false),
  belgiumcentral: region(true, false),
  brazilsouth: region(true),
  brazilsoutheast: restricted(false),
  canadacentral: region(true),
  canadaeast: region(false),
  centralindia: region(true),
  centralus: region(true),
  chilecentral: region(true, false),
  eastasia: region(true),
  eastus: region(true),
  eastus2: region(true),
  francecentral: region(true),
  francesouth: restricted(false),
  germanynorth: restricted(false),
  germanywestcentral: region(true),
  indonesiacentral: region(true, false),
  israelcentral: region(true, false),
  italynorth: region(true, false),
  japaneast: region(true),
  japanwest: region(true),
  // Not in the regions list at all (it names the regions anyone may request); the Jio
  // regions serve Reliance Jio's customers, so they are treated as restricted.
  jioindiacentral: restricted(false),
  jioindiawest: restricted(false),
  koreacentral: region(true),
  koreasouth: region(false),
  malaysiawest: region(true, false),
  mexicocentral: region(true, false),
  newzealandnorth: region(true, false),
  northcentralus: region(false),
  northeurope: region(true),
  norwayeast: region(true),
  norwaywest: restricted(false),
  polandcentral: region(true, false),
  qatarcentral: region(true, false),
  southafricanorth: region(true),
  southafricawest: restricted(false),
  southcentralus: region(true),
  southeastasia: region(true),
  southindia: region(false),
  spaincentral: region(true, false),
  swedencentral: region(true),
  // Listed only as Sweden Central's pair, with the restricted-access icon.
  swedensouth: restricted(false),
  switzerlandnorth: region(true),
  switzerlandwest: restricted(false),
  uaecentral: restricted(false),
  uaenorth: region(true),
  uksouth: region(true),
  ukwest: region(false),
  westcentralus: region(false),
  westeurope: region(true),
  westindia: region(false),
  westus: region(false),
  westus2: region(true),
  westus3: region(true),
} as const satisfies Record<string, Region>;

export type AzureRegion = keyof typeof REGIONS;
export const AZURE_REGIONS = Object.keys(REGIONS) as AzureRegion[];

/** Regions of other clouds and programs: why this app does not deploy there. */
const NOT_PUBLIC_AZURE: readonly { readonly match: RegExp; readonly why: string }[] = [
  {
    match: /^us(?:gov|dod|sec|nat)/u,
    why: 'a region of Azure Government, a cloud of its own',
  },
  { match: /^china/u, why: 'a region of Azure operated by 21Vianet (China), a cloud of its own' },
  {
    match: /^germany(?:central|northeast)$/u,
    why: 'a region of Microsoft Cloud Deutschland, a cloud of its own (closed in 2021)',
  },
];

const PUBLIC_ONLY =
  'this app deploys to public Azure only: its azurerm and azuread providers use the public cloud (constructs/azure-defaults.ts), the deploy identity trusts GitHub tokens for the public audience api://AzureADTokenExchange, and the Logic App reads Key Vault at vault.azure.net';

const EARLY_ACCESS =
  'an early-access region, where Microsoft deploys updates before the other regions, open only to enrolled subscriptions; which services and availability zones it has is not published, so this app does not deploy there';

const normalized = (value: string) => value.toLowerCase().replace(/[^a-z0-9]/gu, '');

const regionName = oneOf(
  AZURE_REGIONS,
  'an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`)',
  (value) => AZURE_REGIONS.find((r) => r === normalized(value)),
);

/**
 * The configuration's rule for a region (`azure.location`): a public Azure region, with a
 * guess at the one meant, and the reason when the name is another cloud's or early access.
 */
export const location: Rule<AzureRegion> = {
  ...regionName,
  check: (value, path) => {
    if (typeof value === 'string' && !(AZURE_REGIONS as readonly string[]).includes(value)) {
      const name = normalized(value);
      const other = NOT_PUBLIC_AZURE.find((c) => c.match.test(name));
      const why = other
        ? `${other.why}; ${PUBLIC_ONLY}`
        : /(?:euap|stg)$/u.test(name)
          ? EARLY_ACCESS
          : undefined;
      if (why) return problem(path, value, `${regionName.expected}: ${show(name)} is ${why}`);
    }
    return regionName.check(value, path);
  },
};

/** Whether the region has availability zones. */
export function hasZones(region: AzureRegion): boolean {
  return REGIONS[region].zones;
}

/** Whether the region has a region pair, which geo-redundant storage replicates to. */
export function hasPair(region: AzureRegion): boolean {
  return REGIONS[region].paired;
}

/** Regions with a given property, for JSON Schema conditions (e.g. those without zones). */
export function regionsWhere(test: (region: Region) => boolean): AzureRegion[] {
  return AZURE_REGIONS.filter((r) => test(REGIONS[r]));
}

/**
 * The warning for a restricted-access region: the configuration is right, but the deploy
 * fails unless Microsoft has opened the region to the subscription.
 */
export function regionWarning(region: AzureRegion): string | undefined {
  if (!('restricted' in REGIONS[region])) return undefined;
  return `"${region}" is a restricted-access region: Microsoft opens it to a subscription only on request (https://learn.microsoft.com/troubleshoot/azure/general/region-access-request-process); without that, the deploy fails when it creates the first resource there`;
}
