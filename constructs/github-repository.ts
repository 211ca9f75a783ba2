import { DataGithubRestApi } from '@cdktf/provider-github/lib/data-github-rest-api';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  subjectFacts,
  type GitHubRepositoryIdentity,
  type OidcSubjectForm,
} from '../lib/github-oidc';
import { addCheck } from './terraform-blocks';

export interface GitHubRepositoryProps {
  /** The owner (user or organization), as the configuration spells it. */
  readonly owner: string;
  /** The repository name, as the configuration spells it. */
  readonly repository: string;
  /**
   * A branch that must exist: the plan fails with a message naming it when it does not.
   * Letters, digits, ".", "_", "-" and "/" only (lib/config.ts), so it is a safe URL path and
   * a safe literal inside a Terraform string.
   * @default - the repository's default branch, which always exists
   */
  readonly branch?: string;
  /**
   * Read the repository's OIDC subject settings too, and check them against the form the
   * configuration trusts: a custom subject template fails the plan, and so does a configured
   * form that GitHub says the tokens do not carry. The answer then decides the subjects
   * (`identity.answers`, see `githubSubjects`).
   * @default - not read: the subjects are the configured form's, unchecked
   */
  readonly oidc?: {
    /** The configured form. */
    readonly form: OidcSubjectForm;
    /** Where it is configured, e.g. `github.oidcSubject in config/staging.json`. */
    readonly setting: string;
  };
}

/**
 * A repository as GitHub knows it, read at plan time with one `GET /repos/{owner}/{repo}`:
 * its canonical owner and name, the numeric IDs that immutable OIDC subjects carry, the
 * owner's type, its default branch and visibility.
 *
 * Read with the provider's `github_rest_api` data source, which returns GitHub's 404 as a
 * value, so a missing repository or branch fails the plan with a postcondition's message.
 * integrations/github 6.9.0's `github_repository`, `github_branch` and `github_user` data
 * sources either crash the provider on an API error (the error is shadowed and its nil
 * Response read; fixed in 6.9.1), page through every branch, or make three requests where
 * this makes one.
 */
export class GitHubRepository extends Construct {
  /** Owner, name and numeric IDs, as GitHub spells them. */
  public readonly identity: GitHubRepositoryIdentity;
  /** `OWNER/NAME`, as GitHub spells it. */
  public readonly fullName: string;
  public readonly defaultBranch: string;
  /** `public`, `private` or `internal`. */
  public readonly visibility: string;
  /** `Organization` or `User`. */
  public readonly ownerType: string;
  /** The configured branch, or the default branch. */
  public readonly branch: string;
  /** `repos/OWNER/NAME` as the configuration spells them: the REST path of the repository. */
  public readonly apiPath: string;
  /** The branch as an HCL expression (not wrapped in `${}`): a quoted literal or GitHub's default. */
  public readonly branchExpression: string;
  /** Owner and name as the configuration spells them. */
  private readonly names: { readonly owner: string; readonly repository: string };
  private readonly repositoryRead: DataGithubRestApi;
  private branchRead?: DataGithubRestApi;

  constructor(scope: Construct, id: string, props: GitHubRepositoryProps) {
    super(scope, id);
    const { owner, repository } = props;
    this.names = { owner, repository };
    this.apiPath = `repos/${owner}/${repository}`;
    const repo = new DataGithubRestApi(this, 'repository', {
      endpoint: this.apiPath,
      lifecycle: {
        postcondition: [
          {
            condition: '${self.code == 200}',
            errorMessage: `GitHub answered \${self.status} for the repository ${owner}/${repository}: it does not exist, or the GitHub token (GITHUB_TOKEN) cannot read it.`,
          },
        ],
      },
    });
    const field = (...path: string[]) =>
      Token.asString(Fn.lookupNested(Fn.jsondecode(repo.body), path));

    this.repositoryRead = repo;
    if (props.branch !== undefined) {
      this.branchRead = new DataGithubRestApi(this, 'branch', {
        endpoint: `repos/${owner}/${repository}/branches/${props.branch}`,
        dependsOn: [repo],
        lifecycle: {
          postcondition: [
            {
              // GitHub answers for a renamed branch with the branch it became (a redirect
              // that the provider follows): the name must be the one asked for. try():
              // Terraform evaluates both sides of &&, and an error body has no name.
              condition: `\${self.code == 200 && try(jsondecode(self.body).name, "") == "${props.branch}"}`,
              errorMessage: `Branch "${props.branch}" does not exist in ${owner}/${repository} (GitHub answered \${self.status}\${self.code == 200 ? " with the branch it was renamed to, \${try(jsondecode(self.body).name, "")}" : ""}): create it, correct github.branch, or leave github.branch out to use the default branch.`,
            },
          ],
        },
      });
    }

    this.fullName = field('full_name');
    this.defaultBranch = field('default_branch');
    this.visibility = field('visibility');
    this.ownerType = field('owner', 'type');
    this.branch = props.branch ?? this.defaultBranch;
    this.branchExpression =
      props.branch === undefined
        ? `jsondecode(${ref(repo, 'body')}).default_branch`
        : JSON.stringify(props.branch);
    const settings = props.oidc && this.readOidcSettings(id, repo, props.oidc);
    this.identity = {
      owner: field('owner', 'login'),
      repository: field('name'),
      ownerId: field('owner', 'id'),
      repositoryId: field('id'),
      ...(settings
        ? { answers: { repository: ref(repo, 'body'), settings: ref(settings, 'body') } }
        : {}),
    };
  }

  /**
   * The commit the branch points to now, read at plan time (`GET .../branches/{branch}`): the
   * configured branch's read, or one more read for the default branch, made on first use.
   */
  branchHead(): string {
    if (!this.branchRead) {
      const repo = this.repositoryRead;
      const { owner, repository } = this.names;
      this.branchRead = new DataGithubRestApi(this, 'default-branch', {
        // urlencode: GitHub accepts any git branch name as the default, "#" and "?" included.
        endpoint: `${this.apiPath}/branches/\${urlencode(${this.branchExpression})}`,
        dependsOn: [repo],
        lifecycle: {
          postcondition: [
            {
              condition: '${self.code == 200}',
              errorMessage: `GitHub answered \${self.status} for the default branch \${${this.branchExpression}} of ${owner}/${repository}: the GitHub token (GITHUB_TOKEN) cannot read it.`,
            },
          ],
        },
      });
    }
    return Token.asString(Fn.lookupNested(Fn.jsondecode(this.branchRead.body), ['commit', 'sha']));
  }

  /**
   * `GET /repos/{owner}/{repo}/actions/oidc/customization/sub`. What the answer may say, and
   * what each case does:
   * - `use_default: false`: a custom template replaces the whole subject, so no credential of
   *   ours can match it. The plan fails with how to return to the default.
   * - `sub_claim_prefix` (or `use_immutable_subject: true`): the form the tokens carry. A
   *   configured `legacy` or `immutable` that disagrees fails the plan; `both` trusts that
   *   form alone.
   * - no access (403, 404): a warning, and the configured form is trusted unchecked.
   */
  private readOidcSettings(
    id: string,
    repo: DataGithubRestApi,
    oidc: NonNullable<GitHubRepositoryProps['oidc']>,
  ): DataGithubRestApi {
    const { owner, repository } = this.names;
    const endpoint = `repos/${owner}/${repository}/actions/oidc/customization/sub`;
    const self = subjectFacts({ repository: ref(repo, 'body'), settings: 'self.body' });
    const fullName = `\${jsondecode(${ref(repo, 'body')}).full_name}`;
    const conflicts = {
      both: [],
      legacy: [
        {
          condition: `\${!${self.saysImmutable}}`,
          errorMessage: `${oidc.setting} is "legacy", but GitHub signs the tokens of ${fullName} with the subject prefix \${${self.immutablePrefix}} (use_immutable_subject: \${jsonencode(try(jsondecode(self.body).use_immutable_subject, null))}), which a legacy credential does not match: set it to "immutable", or to "both" to trust what GitHub reports.`,
        },
      ],
      immutable: [
        {
          condition: `\${!${self.saysLegacy}}`,
          // Terraform evaluates the message even when the condition holds: no null in it.
          errorMessage: `${oidc.setting} is "immutable", but GitHub signs the tokens of ${fullName} with the name-based subject prefix \${${self.prefix} == null ? "" : ${self.prefix}}, which an immutable credential does not match: set it to "legacy" or "both", or opt the repository in to immutable subjects in its Actions OIDC settings.`,
        },
      ],
    }[oidc.form];
    const settings = new DataGithubRestApi(this, 'oidc-settings', {
      endpoint,
      dependsOn: [repo],
      lifecycle: {
        postcondition: [
          {
            condition: `\${!${self.customTemplate}}`,
            errorMessage: `The GitHub Actions tokens of ${fullName} follow a custom OIDC subject template (use_default: false, include_claim_keys: \${jsonencode(try(jsondecode(self.body).include_claim_keys, null))}), which replaces the whole subject: no federated credential this stack creates can match it, and every sign-in would fail with AADSTS700213. Return the repository to GitHub's default template (gh api -X PUT ${endpoint} -F use_default=true, as a repository administrator) and plan again.`,
          },
          ...conflicts,
        ],
      },
    });
    addCheck(this, `${id}-oidc-settings`, [
      {
        condition: `\${${ref(settings, 'code')} == 200}`,
        errorMessage: `GitHub answered \${${ref(settings, 'status')}} for the OIDC subject settings of ${owner}/${repository} (GET ${endpoint}), so the plan cannot tell which subject form its tokens carry: ${oidc.setting} is trusted unchecked. A GITHUB_TOKEN that may read them lets the plan check it (classic tokens: the repo scope).`,
      },
    ]);
    return settings;
  }
}

/** An attribute of a data source, as an HCL reference (not wrapped in `${}`). */
function ref(source: DataGithubRestApi, attribute: string): string {
  return `data.${source.terraformResourceType}.${source.friendlyUniqueId}.${attribute}`;
}
