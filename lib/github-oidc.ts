/**
 * The subjects of the OIDC tokens GitHub Actions issues, which Entra ID federated credentials
 * must match exactly (case-sensitively).
 *
 * GitHub has two forms (docs.github.com, "OpenID Connect reference", "Immutable subject
 * claims"; changelog 2026-04-23):
 * - legacy: `repo:OWNER/REPO:<context>`, by name;
 * - immutable: `repo:OWNER@OWNER_ID/REPO@REPO_ID:<context>`, with the numeric IDs, for every
 *   repository created, renamed or transferred since mid-2026 (the changelog says June 18,
 *   the reference July 15), and for those that opted in. github.com only.
 * The context is `environment:NAME` for a job in a GitHub environment, and `pull_request`
 * for a pull request job without one.
 *
 * Every name and ID comes from GitHub itself (`GET /repos/{owner}/{repo}`, read at plan time
 * by constructs/github-repository.ts), never from the configuration's spelling: a config that writes
 * `Contoso` for `contoso` still trusts the subject GitHub signs.
 */
import { createHash } from 'node:crypto';
import { oneOf } from './schema';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export const OIDC_SUBJECT_FORMS = ['both', 'immutable', 'legacy'] as const;
export type OidcSubjectForm = (typeof OIDC_SUBJECT_FORMS)[number];
export const oidcSubjectForm = oneOf(OIDC_SUBJECT_FORMS);
/** One credential for each form: the sign-in works whether or not the repository has switched. */
export const DEFAULT_OIDC_SUBJECT: OidcSubjectForm = 'both';

/** An Entra ID application holds at most 20 federated credentials. */
export const MAX_FEDERATED_CREDENTIALS = 20;

/** How many credentials one trusted context takes in a form. */
export function credentialsPerContext(form: OidcSubjectForm): number {
  return form === 'both' ? 2 : 1;
}

/** A repository as GitHub names it (values may be Terraform references). */
export interface GitHubRepositoryIdentity {
  /** The owner's login, as GitHub spells it. */
  readonly owner: string;
  /** The repository's name, as GitHub spells it. */
  readonly repository: string;
  /** The owner's numeric ID. */
  readonly ownerId: string;
  /** The repository's numeric ID. */
  readonly repositoryId: string;
}

export type SubjectContext = { readonly environment: string } | { readonly pullRequest: true };

function contextText(context: SubjectContext): string {
  return 'environment' in context ? `environment:${context.environment}` : 'pull_request';
}

/** The subjects to trust for one context, legacy first. */
export function githubSubjects(
  form: OidcSubjectForm,
  repo: GitHubRepositoryIdentity,
  context: SubjectContext,
): { readonly form: 'legacy' | 'immutable'; readonly subject: string }[] {
  const tail = contextText(context);
  const legacy = `repo:${repo.owner}/${repo.repository}:${tail}`;
  const immutable = `repo:${repo.owner}@${repo.ownerId}/${repo.repository}@${repo.repositoryId}:${tail}`;
  return [
    ...(form === 'immutable' ? [] : [{ form: 'legacy' as const, subject: legacy }]),
    ...(form === 'legacy' ? [] : [{ form: 'immutable' as const, subject: immutable }]),
  ];
}

/**
 * The federated credential name of one subject: at most 120 letters, digits or "-", unique
 * in the application by construction: the form comes first, so the two forms never meet; an
 * environment name that is already such text follows `env-` as it is, any other follows
 * `envx-` as its letters and digits plus a hash of the exact name, so neither kind can
 * spell the other and names that differ only in other characters stay distinct.
 */
export function credentialName(form: 'legacy' | 'immutable', context: SubjectContext): string {
  const head = `github-${form}-`;
  if (!('environment' in context)) return `${head}pull-request`;
  const name = context.environment;
  const plain = `${head}env-${name}`;
  if (/^[A-Za-z0-9-]{1,120}$/.test(plain)) return plain;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${head}envx-${name.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 120 - 9) + `-${hash}`;
}
