/**
 * Azure public cloud regions as `az account list-locations --query "[].name"` prints them
 * (physical regions; the logical `global`-style names are not deployment targets), and
 * whether each has availability zones, which zone-redundant storage (ZRS, GZRS, RAGZRS)
 * needs. Source: Microsoft Learn "Azure regions list" (availability zone column), and the
 * launch announcements of the regions opened since. A region Microsoft opens later is added
 * here; the check exists to catch `Japan East`, `japan-east` and typos at synth time
 * instead of after a failed apply.
 */
import { oneOf } from './schema';

export const REGIONS = {
  australiacentral: { zones: false },
  australiacentral2: { zones: false },
  australiaeast: { zones: true },
  australiasoutheast: { zones: false },
  austriaeast: { zones: true },
  belgiumcentral: { zones: true },
  brazilsouth: { zones: true },
  brazilsoutheast: { zones: false },
  canadacentral: { zones: true },
  canadaeast: { zones: false },
  centralindia: { zones: true },
  centralus: { zones: true },
  chilecentral: { zones: true },
  eastasia: { zones: true },
  eastus: { zones: true },
  eastus2: { zones: true },
  francecentral: { zones: true },
  francesouth: { zones: false },
  germanynorth: { zones: false },
  germanywestcentral: { zones: true },
  indonesiacentral: { zones: true },
  israelcentral: { zones: true },
  italynorth: { zones: true },
  japaneast: { zones: true },
  japanwest: { zones: true },
  jioindiacentral: { zones: false },
  jioindiawest: { zones: false },
  koreacentral: { zones: true },
  koreasouth: { zones: false },
  malaysiawest: { zones: true },
  mexicocentral: { zones: true },
  newzealandnorth: { zones: true },
  northcentralus: { zones: false },
  northeurope: { zones: true },
  norwayeast: { zones: true },
  norwaywest: { zones: false },
  polandcentral: { zones: true },
  qatarcentral: { zones: true },
  southafricanorth: { zones: true },
  southafricawest: { zones: false },
  southcentralus: { zones: true },
  southeastasia: { zones: true },
  southindia: { zones: false },
  spaincentral: { zones: true },
  swedencentral: { zones: true },
  swedensouth: { zones: false },
  switzerlandnorth: { zones: true },
  switzerlandwest: { zones: false },
  uaecentral: { zones: false },
  uaenorth: { zones: true },
  uksouth: { zones: true },
  ukwest: { zones: false },
  westcentralus: { zones: false },
  westeurope: { zones: true },
  westindia: { zones: false },
  westus: { zones: false },
  westus2: { zones: true },
  westus3: { zones: true },
} as const satisfies Record<string, { readonly zones: boolean }>;

export type AzureRegion = keyof typeof REGIONS;
export const AZURE_REGIONS = Object.keys(REGIONS) as AzureRegion[];

/** The configuration's rule for a region (`azure.location`), with a guess at the one meant. */
export const location = oneOf(
  AZURE_REGIONS,
  'an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`)',
  (value) => AZURE_REGIONS.find((r) => r === value.toLowerCase().replace(/[^a-z0-9]/g, '')),
);

/** Whether the region has availability zones. */
export function hasZones(region: AzureRegion): boolean {
  return REGIONS[region].zones;
}
