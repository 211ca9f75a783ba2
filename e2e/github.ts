/**
 * The run's GitHub side, through the scripts' one client (scripts/github-client.ts): files
 * committed to the throwaway repository, the deploy workflow's runs there, and the steps of
 * this job for the summary.
 */
import { GitHubClient, repoPath, type GitHubAnswer } from '../scripts/github-client';
import { UserError } from '../scripts/user-error';
import { value, type Env } from './config';

/** The client for `GITHUB_API_URL` with `GITHUB_TOKEN` (never a flag, never printed). */
export function gitHub(env: Env): GitHubClient {
  const token = value(env, 'GITHUB_TOKEN');
  if (!token) throw new UserError('GITHUB_TOKEN is not set: the step needs a GitHub token.');
  return new GitHubClient({ apiUrl: value(env, 'GITHUB_API_URL'), token, tool: 'e2e' });
}

interface Repository {
  readonly owner: string;
  readonly repository: string;
}

const segments = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** Commits each file that differs to the repository's default branch, through the contents API. */
export async function commitFiles(
  gh: GitHubClient,
  repo: Repository,
  files: readonly { path: string; content: string }[],
  message: string,
): Promise<{ path: string; action: 'created' | 'updated' | 'unchanged' }[]> {
  const root = repoPath(repo.owner, repo.repository);
  const info = (await gh.request('GET', root)).json as { default_branch?: unknown } | undefined;
  const branch = info?.default_branch;
  if (typeof branch !== 'string' || !branch) {
    throw new UserError(`GitHub API GET ${root} gave no default branch.`);
  }
  const done: { path: string; action: 'created' | 'updated' | 'unchanged' }[] = [];
  for (const file of files) {
    const at = `${root}/contents/${segments(file.path)}`;
    const current = await gh.request('GET', `${at}?ref=${encodeURIComponent(branch)}`, {
      accept: [404],
    });
    const existing =
      current.status === 404 ? undefined : (current.json as { sha?: unknown; content?: unknown });
    if (existing && typeof existing.sha !== 'string') {
      throw new UserError(`${file.path} in ${repo.owner}/${repo.repository} is not a file.`);
    }
    if (
      existing &&
      typeof existing.content === 'string' &&
      Buffer.from(existing.content.replace(/\s/g, ''), 'base64').toString('utf8') === file.content
    ) {
      done.push({ path: file.path, action: 'unchanged' });
      continue;
    }
    await gh.request('PUT', at, {
      body: {
        message,
        content: Buffer.from(file.content, 'utf8').toString('base64'),
        branch,
        ...(existing ? { sha: existing.sha } : {}),
      },
    });
    done.push({ path: file.path, action: existing ? 'updated' : 'created' });
  }
  return done;
}

/** The fields of a workflow run the harness reads. */
export interface WorkflowRun {
  readonly id: number;
  readonly run_number: number;
  readonly display_title: string;
  readonly event: string;
  readonly status: string | null;
  readonly conclusion: string | null;
  readonly html_url: string;
  readonly created_at: string;
}

function asRun(x: unknown): WorkflowRun | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const r = x as Record<string, unknown>;
  return typeof r.id === 'number' &&
    typeof r.display_title === 'string' &&
    typeof r.event === 'string' &&
    typeof r.created_at === 'string' &&
    typeof r.html_url === 'string'
    ? (r as unknown as WorkflowRun)
    : undefined;
}

export function describeRun(run: WorkflowRun): string {
  return `run #${run.run_number ?? run.id} (${run.html_url})`;
}

function runPath(repo: Repository, id: number): string {
  return `${repoPath(repo.owner, repo.repository)}/actions/runs/${id}`;
}

export interface RunQuery extends Repository {
  /** The run name to find (`runName(...)`). */
  readonly name: string;
  /** Runs created before this are not ours. */
  readonly createdAfter: Date;
  /** Run ids that are not the one looked for (an earlier run with the same name). */
  readonly exclude: ReadonlySet<number>;
  readonly perPage?: number;
  /** Pages read at most; runs are listed newest first. */
  readonly maxPages?: number;
}

/** The repository_dispatch runs named `name`, created after `createdAfter`, oldest first. */
export async function findRuns(gh: GitHubClient, o: RunQuery): Promise<WorkflowRun[]> {
  const query = new URLSearchParams({
    event: 'repository_dispatch',
    // GitHub's search syntax for times: `THH:MM:SS` and a UTC offset, no fractions of a second.
    created: `>=${o.createdAfter.toISOString().replace(/\.\d{3}Z$/, '+00:00')}`,
    per_page: String(o.perPage ?? 100),
  });
  const after = o.createdAfter.getTime();
  const found: WorkflowRun[] = [];
  const path = `${repoPath(o.owner, o.repository)}/actions/runs?${query}`;
  for await (const answer of gh.pages(path, o.maxPages ?? 10)) {
    const list = (answer.json as { workflow_runs?: unknown } | undefined)?.workflow_runs;
    const runs = (Array.isArray(list) ? list : []).map(asRun).filter((r) => r !== undefined);
    found.push(
      ...runs.filter(
        (r) =>
          r.display_title === o.name &&
          r.event === 'repository_dispatch' &&
          !o.exclude.has(r.id) &&
          Date.parse(r.created_at) >= after,
      ),
    );
    // Newest first: a page that reaches before `createdAfter` is the last one that matters.
    if (runs.some((r) => Date.parse(r.created_at) < after)) break;
  }
  return found.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
}

/** A run's latest state, or undefined when the answer is not a run. */
export async function readRun(
  gh: GitHubClient,
  repo: Repository,
  id: number,
): Promise<WorkflowRun | undefined> {
  const answer: GitHubAnswer = await gh.request('GET', runPath(repo, id));
  return asRun(answer.json);
}

export interface JobStep {
  readonly name: string;
  readonly number: number;
  readonly status: string;
  readonly conclusion: string | null;
  readonly started_at?: string | null;
  readonly completed_at?: string | null;
}

/** The steps of the job named `job` in this run's attempt, or why there are none. */
export async function jobSteps(
  gh: GitHubClient,
  fullName: string,
  runId: string,
  attempt: string,
  job: string,
): Promise<{ steps: JobStep[] } | { problem: string }> {
  const [owner = '', repository = ''] = fullName.split('/');
  const answer = await gh.request(
    'GET',
    `${repoPath(owner, repository)}/actions/runs/${encodeURIComponent(runId)}/attempts/${encodeURIComponent(attempt)}/jobs?per_page=100`,
  );
  const jobs = (answer.json as { jobs?: unknown } | undefined)?.jobs;
  const found = (Array.isArray(jobs) ? jobs : []).find(
    (j: { name?: unknown }) => j?.name === job,
  ) as { steps?: JobStep[] } | undefined;
  return found && Array.isArray(found.steps)
    ? { steps: found.steps }
    : { problem: `run ${runId} attempt ${attempt} has no job named ${JSON.stringify(job)}` };
}
