import { ActionsEnvironmentSecret } from '@cdktf/provider-github/lib/actions-environment-secret';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { DataGithubTeam } from '@cdktf/provider-github/lib/data-github-team';
import { DataGithubUser } from '@cdktf/provider-github/lib/data-github-user';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryEnvironmentDeploymentPolicy } from '@cdktf/provider-github/lib/repository-environment-deployment-policy';
import { RepositoryFile } from '@cdktf/provider-github/lib/repository-file';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

/** A file this repository commits to the target repository, with its text. */
export interface CommittedFile {
  /** Path in the target repository, e.g. `.github/workflows/aml-deploy-model.yml`. */
  readonly path: string;
  /** The file's text, exactly as it is to be committed. */
  readonly content: string;
}

export interface GitHubWiringProps {
  /** Repository name (the owner is the GitHub provider's). */
  readonly repository: string;
  /** Branch the files are committed to; also the only branch that may deploy to the environment. */
  readonly branch: string;
  /** GitHub environment the deploy job runs in. */
  readonly environment: string;
  /**
   * User logins that must approve each deployment; looked up at plan time.
   * @default - no required reviewers
   */
  readonly reviewerUsers?: readonly string[];
  /**
   * Team slugs whose members may approve each deployment; looked up at plan time.
   * @default - no required reviewers
   */
  readonly reviewerTeams?: readonly string[];
  /** Environment variables for the workflow: name → value. Not secret: shown in logs and UI. */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * Environment secrets: name → value (a Terraform reference, never a literal).
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Files committed to `branch`, overwriting what is there. */
  readonly files: readonly CommittedFile[];
  /**
   * Commit message of the files' commits.
   * @default 'Update AML deploy workflow (managed by aml-deploy-pipeline)'
   */
  readonly commitMessage?: string;
}

/**
 * Terraform reads `${` and `%{` in strings as templates. Workflow files are full of
 * `${{ ... }}`, so they are escaped to reach the repository byte for byte.
 */
export function terraformLiteral(text: string): string {
  // Replacer functions, because '$$' in a replacement string means a single '$'.
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/**
 * What the deploy workflow needs from GitHub: its environment (with reviewers, and only
 * the configured branch may deploy), the environment's variables and secrets, and the
 * workflow files committed to the repository.
 */
export class GitHubWiring extends Construct {
  /** The environment's name, once it exists. */
  public readonly environmentName: string;

  constructor(scope: Construct, id: string, props: GitHubWiringProps) {
    super(scope, id);
    const { repository, branch } = props;

    const users = (props.reviewerUsers ?? []).map(
      (login) => new DataGithubUser(this, `reviewer-user-${login}`, { username: login }).id,
    );
    const teams = (props.reviewerTeams ?? []).map(
      (slug) => new DataGithubTeam(this, `reviewer-team-${slug}`, { slug }).id,
    );
    const environment = new RepositoryEnvironment(this, 'environment', {
      repository,
      environment: props.environment,
      reviewers:
        users.length + teams.length > 0
          ? [{ users: users.map(Fn.tonumber), teams: teams.map(Fn.tonumber) }]
          : undefined,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    this.environmentName = environment.environment;
    new RepositoryEnvironmentDeploymentPolicy(this, 'deploy-branch', {
      repository,
      environment: environment.environment,
      branchPattern: branch,
    });

    for (const [name, value] of Object.entries(props.variables)) {
      new ActionsEnvironmentVariable(this, `variable-${name}`, {
        repository,
        environment: environment.environment,
        variableName: name,
        value,
      });
    }
    for (const [name, value] of Object.entries(props.secrets ?? {})) {
      new ActionsEnvironmentSecret(this, `secret-${name}`, {
        repository,
        environment: environment.environment,
        secretName: name,
        plaintextValue: value,
      });
    }
    for (const file of props.files) {
      // Construct IDs cannot hold '/'; the ID stays stable as long as the path does.
      new RepositoryFile(this, `file-${file.path.replace(/\//g, '_')}`, {
        repository,
        branch,
        file: file.path,
        content: terraformLiteral(file.content),
        commitMessage:
          props.commitMessage ?? 'Update AML deploy workflow (managed by aml-deploy-pipeline)',
        overwriteOnCreate: true,
      });
    }
  }
}
