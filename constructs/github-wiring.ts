import { ActionsEnvironmentSecret } from '@cdktf/provider-github/lib/actions-environment-secret';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { DataGithubTeam } from '@cdktf/provider-github/lib/data-github-team';
import { DataGithubUser } from '@cdktf/provider-github/lib/data-github-user';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryEnvironmentDeploymentPolicy } from '@cdktf/provider-github/lib/repository-environment-deployment-policy';
import { RepositoryFile } from '@cdktf/provider-github/lib/repository-file';
import { RepositoryPullRequest } from '@cdktf/provider-github/lib/repository-pull-request';
import { Branch } from '@cdktf/provider-github/lib/branch';
import { DataGithubRestApi } from '@cdktf/provider-github/lib/data-github-rest-api';
import { StaticResource } from '@cdktf/provider-time/lib/static-resource';
import { Fn, Op, Token } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { terraformLiteral } from '../lib/terraform-literal';
import { WORKFLOW_UPDATE_BRANCH } from '../lib/workflow-contract';
import type { GitHubRepository } from './github-repository';
import { addCheck, forgetResource, moveIntoCount } from './terraform-blocks';

/** A file this repository commits to the target repository, with its text. */
export interface CommittedFile {
  /** Path in the target repository, e.g. `.github/workflows/aml-deploy-model.yml`. */
  readonly path: string;
  /** The file's text, exactly as it is to be committed. */
  readonly content: string;
}

/** How the committed files reach the branch. */
export type WorkflowDelivery = 'commit' | 'pull-request';

const COMMIT_MESSAGE = 'Update AML deploy workflow (managed by aml-deploy-pipeline)';

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
  /**
   * Where the environment is configured, for messages.
   * @default "github.environment"
   */
  readonly environmentSetting?: string;
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
   * `commit`: straight to the branch. `pull-request`: to `WORKFLOW_UPDATE_BRANCH`, created
   * from the branch's head, with a pull request to the branch while the branch lacks the
   * files as committed; a new one opens whenever they change.
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

    this.checkEnvironmentSpelling(props);
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

  /**
   * GitHub compares environment names ignoring case; integrations/github 6.9.0 does not. When
   * GitHub holds the environment as "Production" and the configuration says "production", the
   * provider's first update sets its ID to GitHub's spelling (CreateUpdateEnvironment's answer,
   * `resource_github_repository_environment.go:218-223`), Read then sets `environment` from that
   * ID (`:148-149`), and `environment` forces replacement: the next deploy deletes the
   * environment with its secrets, variables and rules. So the plan reads the environment
   * (GitHub finds it whatever the case) and stops when GitHub spells it otherwise.
   */
  private checkEnvironmentSpelling(props: GitHubWiringProps): void {
    const name = props.environment;
    const setting = props.environmentSetting ?? 'github.environment';
    // Environment names hold no quote, "\\", "${" or "%{" (lib/config-fields.ts): JSON quoting
    // makes a Terraform string literal of them.
    const literal = JSON.stringify(name);
    const path = `${props.github.apiPath}/environments/${encodeURIComponent(name)}`;
    new DataGithubRestApi(this, 'environment-lookup', {
      endpoint: path,
      lifecycle: {
        postcondition: [
          {
            // No environment yet (404), or no name in the answer: nothing to compare.
            condition: `\${try(jsondecode(self.body).name, ${literal}) == ${literal}}`,
            errorMessage: `GitHub already holds the environment ${literal} of ${props.github.apiPath.slice('repos/'.length)} spelled \${jsonencode(try(jsondecode(self.body).name, null))}. GitHub ignores the case of environment names but the GitHub provider does not: after its first update it would replace the environment on every deploy, deleting its secrets, variables and protection rules. Set ${setting} to \${jsonencode(try(jsondecode(self.body).name, null))}.`,
          },
        ],
      },
    });
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
    if (props.files.length === 0) return;
    const branch = viaPullRequest ? this.updateBranch(props) : undefined;
    const files = props.files.map(
      (file) =>
        new RepositoryFile(this, fileId(file.path, props.delivery), {
          repository,
          file: file.path,
          content: terraformLiteral(file.content),
          commitMessage: COMMIT_MESSAGE,
          overwriteOnCreate: true,
          ...(branch
            ? { branch: WORKFLOW_UPDATE_BRANCH, dependsOn: [branch] }
            : { branch: github.branch }),
        }),
    );
    if (!branch) return;
    // A new pull request whenever the files' content changes (the previous one was merged, or
    // is closed by the replacement: the provider never reopens one), and whenever the branch was
    // created again (deleted on merge): its files are then created, which replace_triggered_by
    // does not count as a change (Terraform's EvaluateReplaceTriggeredBy: update or replace
    // only). The time the branch was created stands for that: replaced when its ID goes unknown.
    const branchCreated = new StaticResource(this, 'workflow-branch-created', {
      triggers: { branch: branch.id },
    });
    const pullRequest = new RepositoryPullRequest(this, 'workflow-pull-request', {
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
      // Only while the base branch lacks these exact files: once it has them (the pull request
      // was merged), there is nothing to propose, and GitHub refuses a pull request whose
      // branch adds nothing (422, "No commits between").
      count: Token.asNumber(`\${${this.baseHasFiles(props)} ? 0 : 1}`),
      dependsOn: files,
      lifecycle: {
        // Plain addresses: cdktf writes a resource given here as "${address}", which
        // Terraform (1.11) refuses in replace_triggered_by ("Invalid character"). The files'
        // content, not the whole files: an upgrade from autocreate_branch changes only those
        // (suppressed) attributes, which must not open a second pull request.
        replaceTriggeredBy: [
          ...files.map((f) => `${f.terraformResourceType}.${f.friendlyUniqueId}.content`),
          `${branchCreated.terraformResourceType}.${branchCreated.friendlyUniqueId}`,
        ],
      },
    });
    // Earlier versions created it without count: keep it as instance 0.
    moveIntoCount(pullRequest);
  }

  /**
   * The branch the files are proposed on, created from the base branch's head as read at plan
   * time. github_branch's Read drops it from state when GitHub deleted it (on merge), so the
   * next deploy creates it again from the base's head then (and the files on it, whose state
   * went with the branch; with nothing new to propose, no pull request opens and the branch
   * waits for the next change). Its source is ignored after creation: `source_sha` forces
   * replacement, and following the moving base would delete the branch (closing its pull
   * request) on every plan after a merge to the base.
   * (github `resource_github_branch.go` at v6.9.0: Create reads the head of `source_branch`
   * unless `source_sha` is given and adopts a branch that exists (422 "Reference already
   * exists"); Read removes it on 404.)
   */
  private updateBranch(props: GitHubWiringProps): Branch {
    return new Branch(this, 'workflow-branch', {
      repository: props.repository,
      branch: WORKFLOW_UPDATE_BRANCH,
      sourceBranch: props.github.branch,
      sourceSha: props.github.branchHead(),
      lifecycle: { ignoreChanges: ['source_branch', 'source_sha'] },
    });
  }

  /**
   * An HCL expression, true when the base branch already holds every file as it would be
   * committed: GitHub's directory listings of the base (one read per folder) carry each
   * file's git blob SHA, compared with the blob SHA of the text committed here.
   */
  private baseHasFiles(props: GitHubWiringProps): string {
    const { github } = props;
    const folders = [...new Set(props.files.map((f) => posix.dirname(f.path)))];
    const listing = new Map(
      folders.map((folder) => {
        const read = new DataGithubRestApi(this, `base-listing-${folder.replace(/\//g, '_')}`, {
          endpoint: `${github.apiPath}/contents/${folder}?ref=\${urlencode(${github.branchExpression})}`,
        });
        return [folder, `data.${read.terraformResourceType}.${read.friendlyUniqueId}.body`];
      }),
    );
    const same = props.files.map(
      (f) =>
        `try([for e in jsondecode(${listing.get(posix.dirname(f.path))}) : e.sha if e.path == ${JSON.stringify(f.path)}][0], "") == "${gitBlobSha(f.content)}"`,
    );
    return `alltrue([${same.join(', ')}])`;
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

/** The SHA-1 git gives a file's content (`git hash-object`): what GitHub reports as its `sha`. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
