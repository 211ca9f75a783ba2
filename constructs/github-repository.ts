import { DataGithubRepository } from '@cdktf/provider-github/lib/data-github-repository';
import { DataGithubRepositoryBranches } from '@cdktf/provider-github/lib/data-github-repository-branches';
import { DataGithubUser } from '@cdktf/provider-github/lib/data-github-user';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { GitHubRepositoryIdentity } from '../lib/github-oidc';
import { terraformLiteral, terraformString } from '../lib/terraform-literal';

export interface GitHubRepositoryProps {
  /** Repository name; the owner is the GitHub provider's. */
  readonly repository: string;
  /**
   * A branch that must exist: the plan fails with a message naming it when it does not.
   * @default - the repository's default branch, which always exists
   */
  readonly branch?: string;
}

/**
 * A repository as GitHub knows it, read at plan time: its canonical owner and name, the
 * numeric IDs that immutable OIDC subjects carry, its default branch and visibility.
 *
 * The branches are read first: integrations/github 6.9.0's `github_repository` and
 * `github_branch` data sources crash the provider on any API error, a missing repository
 * included (`data_source_github_repository.go`: the error is shadowed and its nil Response
 * read; fixed in 6.9.1), whereas `github_repository_branches` returns GitHub's 404 as an
 * error. So a missing repository fails the plan with that 404, and a missing branch with the
 * postcondition's message, before anything reads the repository itself.
 */
export class GitHubRepository extends Construct {
  /** Owner, name and numeric IDs, as GitHub spells them. */
  public readonly identity: GitHubRepositoryIdentity;
  /** `OWNER/NAME`, as GitHub spells it. */
  public readonly fullName: string;
  public readonly defaultBranch: string;
  /** `public`, `private` or `internal`. */
  public readonly visibility: string;
  /** The configured branch, or the default branch. */
  public readonly branch: string;

  constructor(scope: Construct, id: string, props: GitHubRepositoryProps) {
    super(scope, id);
    const branches = new DataGithubRepositoryBranches(this, 'branches', {
      repository: props.repository,
    });
    if (props.branch !== undefined) {
      branches.lifecycle = {
        postcondition: [
          {
            condition: `\${contains([for b in self.branches : b.name], ${terraformString(props.branch)})}`,
            errorMessage: `Branch ${terraformLiteral(JSON.stringify(props.branch))} does not exist in \${self.id}: create it, correct github.branch, or leave github.branch out to use the default branch.`,
          },
        ],
      };
    }
    const repository = new DataGithubRepository(this, 'repository', {
      name: props.repository,
      dependsOn: [branches],
    });
    const [owner, name] = [0, 1].map((i) => Fn.element(Fn.split('/', repository.fullName), i));
    // GET /users/{login} answers for organizations too (their `type` is "Organization").
    const ownerUser = new DataGithubUser(this, 'owner', { username: owner });

    this.fullName = repository.fullName;
    this.defaultBranch = repository.defaultBranch;
    this.visibility = repository.visibility;
    this.branch = props.branch ?? repository.defaultBranch;
    this.identity = {
      owner,
      repository: name,
      ownerId: ownerUser.id,
      repositoryId: Token.asString(repository.repoId),
    };
  }
}
