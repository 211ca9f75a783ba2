/**
 * Field rules shared by the environment files (`lib/config.ts`) and the bootstrap file
 * (`lib/bootstrap-config.ts`): one rule and one message per kind of field.
 * Azure names: learn.microsoft.com "Naming rules and restrictions for Azure resources".
 */
import { AZURE_REGIONS } from './azure-regions';
import { oneOf, record, text, type Problem } from './schema';

export const guid = text(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'a GUID such as "00000000-0000-0000-0000-000000000000"',
);

// GitHub: logins are 1-39 letters, digits or single hyphens, not at either end.
export const githubOwner = text(
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
  'a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
);
export const githubRepository = text(
  /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
  'a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
);
// Also no '${', '%{' or '@{': the name reaches Terraform strings and Logic App expressions.
export const githubEnvironment = text(
  /^(?!.*[$%@]\{)(?=.*\S)[^'"`,;\\/\p{Cc}]{1,255}$/u,
  'a GitHub environment name: 1-255 characters without quotes, commas, semicolons, slashes, control characters, "${", "%{" or "@{"',
);
export const workspaceName = text(
  /^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/,
  'an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
);
export const resourceGroup = text(
  /^[-\w.()]{0,89}[-\w()]$/u,
  'a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
);
export const location = oneOf(
  AZURE_REGIONS,
  'an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`)',
  (value) => AZURE_REGIONS.find((r) => r === value.toLowerCase().replace(/[^a-z0-9]/g, '')),
);
// Used in Key Vault and storage account names, which are short and global.
export const namePrefix = text(
  /^[a-z][a-z0-9]{1,9}$/,
  'a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
);

export const storageAccountName = text(
  /^[a-z0-9]{3,24}$/,
  'a storage account name: 3-24 lowercase letters or digits',
);

export const blobContainer = text(
  /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
  'a blob container name: 3-63 lowercase letters, digits or single hyphens, not starting or ending with a hyphen',
);

export const tags = record(
  text(/^[^<>%&\\?/]{1,512}$/, 'a tag name: 1-512 characters without < > % & \\ ? /'),
  text(/^.{0,256}$/su, 'a tag value: a string of at most 256 characters'),
);

/** Problems as users read them: `file: field.path: message`. */
export function renderProblems(file: string, problems: readonly Problem[]): string[] {
  return problems.map((p) => `${file}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
}
