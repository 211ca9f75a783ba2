import { DataGithubRestApi } from '@cdktf/provider-github/lib/data-github-rest-api';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { GitHubRepositoryIdentity } from '../lib/github-oidc';

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

  constructor(scope: Construct, id: string, props: GitHubRepositoryProps) {
    super(scope, id);
    const { owner, repository } = props;
    const repo = new DataGithubRestApi(this, 'repository', {
      endpoint: `repos/${owner}/${repository}`,
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

    if (props.branch !== undefined) {
      new DataGithubRestApi(this, 'branch', {
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
    this.identity = {
      owner: field('owner', 'login'),
      repository: field('name'),
      ownerId: field('owner', 'id'),
      repositoryId: field('id'),
    };
  }
}
