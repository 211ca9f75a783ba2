import { ActionsEnvironmentSecret } from '@cdktf/provider-github/lib/actions-environment-secret';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { DataGithubTeam } from '@cdktf/provider-github/lib/data-github-team';
import { DataGithubUser } from '@cdktf/provider-github/lib/data-github-user';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryEnvironmentDeploymentPolicy } from '@cdktf/provider-github/lib/repository-environment-deployment-policy';
import { RepositoryFile } from '@cdktf/provider-github/lib/repository-file';
import { RepositoryPullRequest } from '@cdktf/provider-github/lib/repository-pull-request';
import { Fn, Op } from 'cdktf';
import { Construct } from 'constructs';
import { terraformLiteral } from '../lib/terraform-literal';
import { WORKFLOW_UPDATE_BRANCH } from '../lib/workflow-contract';
import type { GitHubRepository } from './github-repository';
import { addCheck, forgetResource } from './terraform-blocks';

/** A file this repository commits to the target repository, with its text. */
export interface CommittedFile {
  /** Path in the target repository, e.g. `.github/workflows/aml-deploy-model.yml`. */
  readonly path: string;
  /** The file's text, exactly as it is to be committed. */
  readonly content: string;
}

/** How the committed files reach the branch. */
export type WorkflowDelivery = 'commit' | 'pull-request';

export const COMMIT_MESSAGE = 'Update AML deploy workflow (managed by aml-deploy-pipeline)';

export interface GitHubWiringProps {
  /** Repository name (the owner is the GitHub provider's). */
  readonly repository: string;
  /** The repository as read from GitHub: its branch, default branch and visibility. */
  readonly github: GitHubRepository;
  /**
   * The branch the configuration names.
   * @default - the default branch
   */
  readonly configuredBranch?: string;
  /** GitHub environment the deploy job runs in. */
  readonly environment: string;
  /** Who must approve each deployment; looked up at plan time. Empty lists: nobody. */
  readonly reviewers: {
    readonly users: readonly string[];
    readonly teams: readonly string[];
    /** Keep the person who started a deployment from approving it. */
    readonly preventSelfReview: boolean;
    /** Let repository administrators deploy without an approval. */
    readonly adminsBypass: boolean;
  };
  /** Environment variables for the workflow: name → value. Not secret: shown in logs and UI. */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * Environment secrets: name → value (a Terraform reference, never a literal).
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Files committed to the branch (or proposed to it), overwriting what is there. */
  readonly files: readonly CommittedFile[];
  /**
   * `commit`: straight to the branch. `pull-request`: to `WORKFLOW_UPDATE_BRANCH`, with a
   * pull request to the branch that is opened again whenever the files change.
   */
  readonly delivery: WorkflowDelivery;
}

/**
 * What the deploy workflow needs from GitHub: its environment (with reviewers, and only
 * the branch may deploy), the environment's variables and secrets, and the workflow files.
 */
export class GitHubWiring extends Construct {
  /** The environment's name, once it exists. */
  public readonly environmentName: string;

  constructor(scope: Construct, id: string, props: GitHubWiringProps) {
    super(scope, id);
    const { repository, github } = props;
    const branch = github.branch;

    const environment = new RepositoryEnvironment(this, 'environment', {
      repository,
      environment: props.environment,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      ...this.reviewerSettings(props),
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
      // Replaced destroy-first: the provider has no update, and deleting the old secret
      // after creating the new one would delete the new one (same name).
      new ActionsEnvironmentSecret(this, `secret-${name}`, {
        repository,
        environment: environment.environment,
        secretName: name,
        plaintextValue: value,
      });
    }
    this.commitFiles(props);
    this.warnings(id, props);
  }

  private reviewerSettings(props: GitHubWiringProps) {
    const { users, teams, preventSelfReview, adminsBypass } = props.reviewers;
    if (users.length + teams.length === 0) return {};
    // Keyed by what GitHub compares case-insensitively, so a reordered list moves nothing.
    const userIds = users.map(
      (login) =>
        new DataGithubUser(this, `reviewer-user-${login.toLowerCase()}`, { username: login }).id,
    );
    const teamIds = teams.map(
      (slug) =>
        new DataGithubTeam(this, `reviewer-team-${slug}`, {
          slug,
          // Without it, every plan pages through the team's members and repositories.
          summaryOnly: true,
          lifecycle: {
            // Teams exist only in organizations: say so, rather than the lookup's bare 404.
            precondition: [
              {
                condition: Op.eq(props.github.ownerType, 'Organization'),
                errorMessage: `github.requiredReviewers.teams names the team "${slug}", but ${props.github.fullName} belongs to a personal account, which has no teams: name users instead.`,
              },
            ],
          },
        }).id,
    );
    return {
      reviewers: [{ users: userIds.map(Fn.tonumber), teams: teamIds.map(Fn.tonumber) }],
      preventSelfReview,
      canAdminsBypass: adminsBypass,
    };
  }

  private commitFiles(props: GitHubWiringProps): void {
    const { repository, github } = props;
    const viaPullRequest = props.delivery === 'pull-request';
    // Construct IDs cannot hold '/'; an ID stays stable as long as the path does. Each way
    // of delivery has its own file addresses, and switching forgets the other way's files
    // instead of destroying them: deleting a file commits its deletion, so a switch would
    // otherwise delete the deploy workflow from the branch until the pull request merges.
    // The pull request itself is destroyed, which closes it if open (the provider's Delete;
    // a merged one is left alone): left open, it could be merged over the committed files,
    // and a later switch back would open a second one for the same branches, which GitHub
    // refuses (422).
    const fileId = (path: string, delivery: WorkflowDelivery) =>
      `${delivery === 'commit' ? 'file' : 'proposed-file'}-${path.replace(/\//g, '_')}`;
    const other: WorkflowDelivery = viaPullRequest ? 'commit' : 'pull-request';
    for (const file of props.files) {
      forgetResource(this, RepositoryFile.tfResourceType, fileId(file.path, other));
    }
    const files = props.files.map(
      (file) =>
        new RepositoryFile(this, fileId(file.path, props.delivery), {
          repository,
          file: file.path,
          content: terraformLiteral(file.content),
          commitMessage: COMMIT_MESSAGE,
          overwriteOnCreate: true,
          ...(viaPullRequest
            ? {
                // Created from the branch whenever it is missing (after a merge deleted it);
                // read from the branch then, so a merged update shows no change.
                branch: WORKFLOW_UPDATE_BRANCH,
                autocreateBranch: true,
                autocreateBranchSourceBranch: github.branch,
              }
            : { branch: github.branch }),
        }),
    );
    if (!viaPullRequest || files.length === 0) return;
    new RepositoryPullRequest(this, 'workflow-pull-request', {
      baseRepository: repository,
      baseRef: github.branch,
      headRef: WORKFLOW_UPDATE_BRANCH,
      title: COMMIT_MESSAGE,
      body: [
        'aml-deploy-pipeline proposes this version of the AML deploy workflow and its rollout script.',
        'Merge it to deploy with it; `repository_dispatch` runs the workflow of the default branch.',
        'Do not edit these files here: the next `cdktf deploy` overwrites them.',
      ].join('\n\n'),
      maintainerCanModify: false,
      dependsOn: files,
      lifecycle: {
        // A new pull request whenever the files change: the previous one was merged (or is
        // closed by the replacement), and the provider never reopens one. Plain addresses:
        // cdktf writes a resource given here as "${address}", which Terraform (1.11)
        // refuses in replace_triggered_by ("Invalid character").
        replaceTriggeredBy: files.map((f) => `${f.terraformResourceType}.${f.friendlyUniqueId}`),
      },
    });
  }

  /** Plan-time warnings for settings GitHub would accept but not honour. */
  private warnings(id: string, props: GitHubWiringProps): void {
    const { github } = props;
    const { users, teams } = props.reviewers;
    const environment = props.environment;
    if (users.length + teams.length > 0) {
      addCheck(this, `${id}-reviewers-plan`, [
        {
          condition: Op.neq(github.visibility, 'private'),
          errorMessage: `${github.fullName} is private: required reviewers there need GitHub Enterprise. On Free, Pro and Team, GitHub refuses them there (422) and the apply fails.`,
        },
      ]);
    }
    if (props.configuredBranch !== undefined) {
      // Branch names hold only letters, digits, ".", "_", "-" and "/" (lib/config.ts): a
      // safe literal for Op.eq, which quotes it without escaping.
      const branch = props.configuredBranch;
      addCheck(this, `${id}-dispatch-branch`, [
        {
          condition: Op.eq(github.defaultBranch, props.configuredBranch),
          errorMessage: `github.branch "${branch}" is not the default branch (${github.defaultBranch}): repository_dispatch runs the default branch's workflow, which environment ${environment} lets no other branch than "${branch}" deploy.`,
        },
      ]);
    }
  }
}
