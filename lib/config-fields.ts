/**
 * Field rules shared by the environment files (`lib/config.ts`), the bootstrap file
 * (`lib/bootstrap-config.ts`), the Logic App definition and the rollout: one rule and one
 * message per kind of value.
 * Azure names: learn.microsoft.com "Naming rules and restrictions for Azure resources".
 */
import { list, record, text, type Problem, type Rule } from './schema';

/**
 * How the deploy workflow signs in to Azure: the configuration's `auth.mode`, published as
 * AZURE_AUTH_MODE and checked again by the rollout.
 */
export const AUTH_MODES = ['oidc', 'client-secret'] as const;

export const guid = text(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'a GUID such as "00000000-0000-0000-0000-000000000000"',
);

/** Object IDs of Entra ID principals, each once (GUIDs compare case-insensitively). */
export function principals(what: string, max = 20): Rule<string[]> {
  return list(guid, { max, unique: (g) => g, uniqueName: what, ignoreCase: true });
}

// GitHub: logins are 1-39 letters, digits or single hyphens, not at either end.
export const githubOwner = text(
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
  'a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
);
export const githubRepository = text(
  /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
  'a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
);
/**
 * GitHub accepts up to 255 characters, compared case-insensitively. Refused beyond that:
 * ":" (integrations/github splits its resource IDs on ":", so variables, secrets and the
 * deployment policy of such an environment break; GitHub's OIDC subject escapes it),
 * spaces at either end and control characters (GitHub trims or rejects them), and what
 * would not reach Terraform strings, Logic App expressions and the workflow literally:
 * quotes, "`", ",", ";", "\", "/", "${", "%{" and "@{".
 */
export const githubEnvironment = text(
  /^(?![\s\S]*[$%@]\{)(?!\s)(?![\s\S]*\s$)[^'"`,;:\\/\p{Cc}]{1,255}$/u,
  'a GitHub environment name: 1-255 characters, no spaces at either end, without ":", quotes, "`", commas, semicolons, "\\", "/", control characters, "${", "%{" or "@{"',
);
export const workspaceName = text(
  /^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/,
  'an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
);
export const resourceGroup = text(
  /^[-\w.()]{0,89}[-\w()]$/u,
  'a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
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

/**
 * Azure tags: at most 50 on a resource; names up to 128 characters (the limit of storage
 * accounts, which the stacks tag) without < > % & \ ? /; values up to 256 characters. Azure
 * compares tag names without case, so two names that differ only in case are one tag. cdktf
 * drops a `__proto__` key when it writes the JSON, so that name would vanish silently.
 */
export const tags = record(
  text(
    /^(?!__proto__$)[^<>%&\\?/]{1,128}$/,
    'a tag name: 1-128 characters without < > % & \\ ? /, other than __proto__',
  ),
  text(/^[\s\S]{0,256}$/, 'a tag value: a string of at most 256 characters'),
  { max: 50, maxName: 'tags', uniqueIgnoringCase: 'tag name' },
);

/** A parsed file without its `"$schema"`, which is for editors only. */
export function withoutSchemaReference<T extends { readonly $schema?: string }>(
  value: T,
): Omit<T, '$schema'> {
  const rest: { $schema?: string } = { ...value };
  delete rest.$schema;
  return rest as Omit<T, '$schema'>;
}

/** Problems as users read them: `file: field.path: message`. */
export function renderProblems(file: string, problems: readonly Problem[]): string[] {
  return problems.map((p) => `${file}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
}
