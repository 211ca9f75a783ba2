/**
 * Field rules shared by the environment files (`lib/config.ts`), the bootstrap file
 * (`lib/bootstrap-config.ts`), the Logic App definition and the rollout: one rule and one
 * message per kind of value.
 * Azure names: learn.microsoft.com "Naming rules and restrictions for Azure resources".
 */
import { list, record, show, text, type Problem, type Rule } from './schema';

/**
 * How the deploy workflow signs in to Azure: the configuration's `auth.mode`, published as
 * AZURE_AUTH_MODE and checked again by the rollout.
 */
export const AUTH_MODES = ['oidc', 'client-secret'] as const;

/**
 * A GUID, in lower case: Entra ID and Graph write object IDs in lower case and azuread
 * compares `owners` case-sensitively (azuread v3.7.0 application_resource.go:1569-1586,
 * 1716-1724), and azurerm reads `principal_id` back as Azure stores it, which forces a new
 * role assignment on every plan otherwise (role_assignment_resource.go:100-104, 311).
 */
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u;
const GUID_EXPECTED = 'a GUID such as "00000000-0000-0000-0000-000000000000"';
const lowerCase = (g: string) => g.toLowerCase();
export const guid = text(GUID, GUID_EXPECTED, { normalize: lowerCase });

/** The object ID of an Entra ID principal: a GUID, but not the nil GUID, which names none. */
const principal = text(GUID, GUID_EXPECTED, {
  refine: [
    {
      pattern: /^(?!0{8}-0{4}-0{4}-0{4}-0{12}$)/u,
      expected:
        'the object ID of a user, group or service principal; the nil GUID "00000000-0000-0000-0000-000000000000" names none',
    },
  ],
  normalize: lowerCase,
});

/** Object IDs of Entra ID principals, each once (GUIDs compare case-insensitively). */
export function principals(what: string, max = 20): Rule<string[]> {
  return list(principal, { max, unique: (g) => g, uniqueName: what, ignoreCase: true });
}

// GitHub: logins are 1-39 letters, digits or single hyphens, not at either end.
export const githubOwner = text(
  /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/u,
  'a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
);

/**
 * A GitHub user who may review: a login, or an Enterprise Managed User's, which GitHub forms
 * as the normalized IdP user name, "_" and the enterprise's shortcode of 3-8 letters or
 * digits (`mona-cat_octo`), 39 characters in all (GitHub docs, "Username considerations for
 * external authentication"). Managed users are exactly the Enterprise tier that required
 * reviewers on a private repository need.
 */
export const githubUser = text(
  /^(?=.{1,39}$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*(?:_[A-Za-z0-9]{3,8})?$/u,
  'a GitHub login: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen; for a managed user, followed by "_" and the enterprise shortcode (e.g. "mona-cat_octo")',
);

/**
 * GitHub repository names: 1-100 letters, digits, ".", "-" or "_", not "." or "..". A name
 * ending in ".git" is the clone URL's spelling: GitHub creates such a repository without the
 * suffix, so the API never finds the name as written.
 */
export const githubRepository = text(
  /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/u,
  'a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
  {
    refine: [
      {
        pattern: /^(?![\s\S]*\.git$)/u,
        expected: 'a repository name without the ".git" of its clone URL',
        message: (s) =>
          `a repository name without the ".git" of its clone URL (did you mean ${show(s.slice(0, -4))}?)`,
      },
    ],
  },
);
/**
 * GitHub accepts up to 255 characters, compared case-insensitively, other than "." and ".."
 * (the name is a segment of the API's URLs). Refused beyond that: ":" (integrations/github
 * splits its resource IDs on ":", so variables, secrets and the deployment policy of such an
 * environment break; GitHub's OIDC subject escapes it), spaces at either end and control
 * characters (GitHub trims or rejects them), and what would not reach Terraform strings,
 * Logic App expressions and the workflow literally: quotes, "`", ",", ";", "\", "/", "${",
 * "%{" and "@{".
 */
export const githubEnvironment = text(
  /^(?![\s\S]*[$%@]\{)(?!\s)(?![\s\S]*\s$)[^'"`,;:\\/\p{Cc}]{1,255}$/u,
  'a GitHub environment name: 1-255 characters, no spaces at either end, without ":", quotes, "`", commas, semicolons, "\\", "/", control characters, "${", "%{" or "@{"',
  {
    refine: [
      {
        pattern: /^(?!\.\.?$)/u,
        expected:
          'a GitHub environment name other than "." or "..": the name is a segment of the API\'s URLs',
      },
    ],
  },
);
export const workspaceName = text(
  /^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/u,
  'an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
);
/**
 * Resource groups: 1-90 characters, letters and digits of any script (.NET's
 * Char.IsLetterOrDigit: Unicode categories L and Nd), "_", "-", ".", "(" and ")", not ending
 * in "." (learn.microsoft.com "Naming rules and restrictions for Azure resources",
 * Microsoft.Resources/resourcegroups). An existing group keeps its name, so the rule must
 * take every name Azure took.
 */
export const resourceGroup = text(
  /^[-\p{L}\p{Nd}_.()]{0,89}[-\p{L}\p{Nd}_()]$/u,
  'a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
);
// Used in Key Vault and storage account names, which are short and global.
export const namePrefix = text(
  /^[a-z][a-z0-9]{1,9}$/u,
  'a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
);

export const storageAccountName = text(
  /^[a-z0-9]{3,24}$/u,
  'a storage account name: 3-24 lowercase letters or digits',
);

export const blobContainer = text(
  /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/u,
  'a blob container name: 3-63 lowercase letters, digits or single hyphens, not starting or ending with a hyphen',
);

/**
 * Azure tags: at most 50 on a resource; names up to 128 characters (the limit of storage
 * accounts, which the stacks tag) without < > % & \ ? /, and not starting with "azure",
 * "microsoft" or "windows" in any case (prefixes Azure reserves for its own tags: Resources
 * REST API, Tags - Create Or Update); values up to 256 characters. Azure compares tag names
 * without case, so two names that differ only in case are one tag. cdktf drops a
 * `__proto__` key when it writes the JSON, so that name would vanish silently.
 */
export const tags = record(
  text(
    /^(?!__proto__$)[^<>%&\\?/]{1,128}$/u,
    'a tag name: 1-128 characters without < > % & \\ ? /, other than __proto__',
    {
      refine: [
        {
          pattern:
            /^(?![Aa][Zz][Uu][Rr][Ee]|[Mm][Ii][Cc][Rr][Oo][Ss][Oo][Ff][Tt]|[Ww][Ii][Nn][Dd][Oo][Ww][Ss])/u,
          expected:
            'a tag name that does not start with "azure", "microsoft" or "windows" (in any case): Azure reserves those prefixes',
        },
      ],
    },
  ),
  text(/^[\s\S]{0,256}$/u, 'a tag value: a string of at most 256 characters'),
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
