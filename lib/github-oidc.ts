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
  /**
   * GitHub's own answers, read at plan time, from which the subjects are decided (see
   * `SubjectAnswers`).
   * @default - none: the configured form is trusted as it is
   */
  readonly answers?: SubjectAnswers;
}

/**
 * Where the plan reads what GitHub says about a repository's tokens: HCL references to the
 * JSON text of two answers (e.g. `data.github_rest_api.x.body`, never wrapped in `${}`).
 */
export interface SubjectAnswers {
  /** `GET /repos/{owner}/{repo}`. */
  readonly repository: string;
  /**
   * `GET /repos/{owner}/{repo}/actions/oidc/customization/sub` (GitHub's OpenAPI description,
   * schema `oidc-custom-sub-repo`): `use_default` (false: a custom template), and, on
   * github.com, `sub_claim_prefix` (the prefix the repository's tokens carry now) and
   * `use_immutable_subject` (whether the repository opted in). An error answer (no access)
   * has none of them.
   */
  readonly settings: string;
}

/**
 * GitHub's answers turned into HCL expressions (no `${}`): what its tokens carry, as far as
 * the answer says. `sub_claim_prefix` decides when present: repositories have been seen
 * answering `use_immutable_subject: false` next to an immutable prefix (the flag records the
 * opt-in, not what new and renamed repositories get). Without a prefix, only
 * `use_immutable_subject: true` says anything.
 */
export function subjectFacts(answers: SubjectAnswers) {
  const repo = `jsondecode(${answers.repository})`;
  const settings = `try(jsondecode(${answers.settings}), {})`;
  const prefix = `try(${settings}.sub_claim_prefix, null)`;
  const legacyPrefix = `"repo:\${${repo}.owner.login}/\${${repo}.name}"`;
  const immutablePrefix = `"repo:\${${repo}.owner.login}@\${${repo}.owner.id}/\${${repo}.name}@\${${repo}.id}"`;
  return {
    /** The prefix GitHub reports, or null. */
    prefix,
    /** The immutable prefix: GitHub's when it reports one, else built from the IDs. */
    immutablePrefix: `coalesce(${prefix}, ${immutablePrefix})`,
    /** True when GitHub says the tokens carry the immutable (or any non-name) form. */
    saysImmutable: `(${prefix} != null ? ${prefix} != ${legacyPrefix} : try(${settings}.use_immutable_subject, null) == true)`,
    /** True when GitHub says the tokens carry the name-based form. */
    saysLegacy: `(${prefix} == ${legacyPrefix})`,
    /** True when the repository's tokens follow a custom template (no form of ours matches). */
    customTemplate: `(try(${settings}.use_default, null) == false)`,
  };
}

/** One subject to trust; `count` (an HCL template such as `${... ? 0 : 1}`) when GitHub's answer decides. */
export interface TrustedSubject {
  readonly form: 'legacy' | 'immutable';
  readonly subject: string;
  /** @default - always trusted */
  readonly count?: string;
}

export type SubjectContext = { readonly environment: string } | { readonly pullRequest: true };

function contextText(context: SubjectContext): string {
  return 'environment' in context ? `environment:${context.environment}` : 'pull_request';
}

/**
 * The subjects to trust for one context, legacy first. With GitHub's answers, the immutable
 * subject is the prefix GitHub reports, and with `both`, each form is trusted only while the
 * answer does not say the tokens carry the other one.
 */
export function githubSubjects(
  form: OidcSubjectForm,
  repo: GitHubRepositoryIdentity,
  context: SubjectContext,
): TrustedSubject[] {
  const tail = contextText(context);
  const legacy = `repo:${repo.owner}/${repo.repository}:${tail}`;
  const facts = repo.answers && subjectFacts(repo.answers);
  const immutable = facts
    ? `\${${facts.immutablePrefix}}:${tail}`
    : `repo:${repo.owner}@${repo.ownerId}/${repo.repository}@${repo.repositoryId}:${tail}`;
  const decided = form === 'both' && facts;
  return [
    ...(form === 'immutable'
      ? []
      : [
          {
            form: 'legacy' as const,
            subject: legacy,
            ...(decided ? { count: `\${${facts.saysImmutable} ? 0 : 1}` } : {}),
          },
        ]),
    ...(form === 'legacy'
      ? []
      : [
          {
            form: 'immutable' as const,
            subject: immutable,
            ...(decided ? { count: `\${${facts.saysLegacy} ? 0 : 1}` } : {}),
          },
        ]),
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
