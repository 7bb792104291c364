import { Octokit } from '@octokit/rest';
import {
  type ApiQuota,
  CiError,
  countHeader,
  epochMs,
  epochSecondsHeader,
  type JobLog,
  type JobRef,
  type ListRunsOptions,
  type PipelineClient,
  type PipelineJob,
  type PipelineRun,
  type PipelineStatus,
  RateLimitGate,
  type RunRef,
  spanMs,
  type TriggerOutcome,
  type TriggerRequest,
  type Workflow,
} from '../../domain/pipelineClient';
import { maskSecrets, SecretMask } from '../../domain/secretMask';
import { stripControl } from '../../domain/text';
import { dispatchInputProblems } from '../../domain/workflowDispatch';
import { readDispatchSpec } from './githubWorkflowFile';

export interface GitHubClientOptions {
  token: string;
  /** Where the token came from (`GH_TOKEN`, `` `gh auth token` ``): error messages name it, never the token. */
  tokenFrom?: string;
  /** Default `https://api.github.com`. */
  baseUrl?: string;
  now?: () => number;
  /** Lines kept of a job's log (the tail). Default 20,000. */
  maxLogLines?: number;
  /** Longest wait for one answer. Default 30 s. */
  timeoutMs?: number;
  /** Conditional-request cache entries kept (least recently used go first). Default 500. */
  maxCachedResponses?: number;
}

interface OctokitResponse {
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

interface HttpFailure {
  status: number;
  message: string;
  response?: OctokitResponse;
}

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * GitHub Actions through `@octokit/rest`. Every GET is conditional: the ETag of the last answer is sent back, and
 * a `304 Not Modified` (which GitHub does not count against the hourly quota) is answered from memory. The quota
 * is read from each answer's `x-ratelimit-*` headers; a rate-limit answer (403/429) closes the client until the
 * provider's reset time, so a polling tab stops asking instead of prolonging the limit.
 */
export class GitHubClient implements PipelineClient {
  readonly source = 'github' as const;
  private readonly octokit: Octokit;
  private readonly gate: RateLimitGate;
  private readonly now: () => number;
  private readonly mask: SecretMask;
  private readonly cached = new Map<string, { etag: string; response: OctokitResponse }>();
  private lastQuota: ApiQuota | undefined;

  constructor(private readonly opts: GitHubClientOptions) {
    this.now = opts.now ?? Date.now;
    this.gate = new RateLimitGate(this.now);
    this.mask = new SecretMask([opts.token]);
    this.octokit = new Octokit({
      auth: opts.token,
      baseUrl: opts.baseUrl ?? 'https://api.github.com',
      userAgent: 'infradeck',
      log: silentLog,
    });
    this.octokit.hook.wrap('request', (request, options) =>
      this.conditional(request as (o: typeof options) => Promise<OctokitResponse>, options),
    );
  }

  quota(): ApiQuota | undefined {
    return this.lastQuota;
  }

  async listRuns(repo: string, opts: ListRunsOptions): Promise<PipelineRun[]> {
    const { owner, name } = splitRepo(repo);
    const perPage = Math.max(1, Math.min(100, opts.limit));
    const params = {
      owner,
      repo: name,
      per_page: perPage,
      ...(opts.branch ? { branch: opts.branch } : {}),
      request: { signal: opts.signal },
    };
    const what = opts.workflow ? `runs of ${opts.workflow} in ${repo}` : `runs of ${repo}`;
    const pages = opts.workflow
      ? this.octokit.paginate.iterator(this.octokit.rest.actions.listWorkflowRuns, {
          ...params,
          workflow_id: opts.workflow,
        })
      : this.octokit.paginate.iterator(this.octokit.rest.actions.listWorkflowRunsForRepo, params);
    const runs: PipelineRun[] = [];
    await this.call(what, async () => {
      for await (const page of pages) {
        for (const run of page.data as unknown as GitHubRun[]) {
          runs.push(this.runOf(repo, run));
          if (runs.length >= opts.limit) return;
        }
      }
    });
    return runs;
  }

  async workflows(repo: string, opts: { signal?: AbortSignal; clone?: string } = {}) {
    const { owner, name } = splitRepo(repo);
    const workflows = await this.call(`workflows of ${repo}`, () =>
      this.octokit.paginate(this.octokit.rest.actions.listRepoWorkflows, {
        owner,
        repo: name,
        per_page: 100,
        request: { signal: opts.signal },
      }),
    );
    const out: Workflow[] = [];
    for (const w of workflows as unknown as GitHubWorkflow[]) {
      const file = workflowFileOf(w.path);
      let triggerable = true;
      if (opts.clone)
        triggerable = await readDispatchSpec(opts.clone, file).then(
          (s) => s.dispatchable,
          () => false,
        );
      out.push({ repo, workflow: file, name: w.name, triggerable, disabled: w.state !== 'active' });
    }
    return out;
  }

  async runJobs(run: RunRef, opts: { signal?: AbortSignal } = {}): Promise<PipelineJob[]> {
    const { owner, name } = splitRepo(run.repo);
    const jobs = await this.call(`jobs of run ${run.id} in ${run.repo}`, () =>
      this.octokit.paginate(this.octokit.rest.actions.listJobsForWorkflowRun, {
        owner,
        repo: name,
        run_id: numericId(run.id, 'run'),
        filter: 'latest',
        per_page: 100,
        request: { signal: opts.signal },
      }),
    );
    const now = this.now();
    return (jobs as unknown as GitHubJob[]).map((job) => ({
      repo: run.repo,
      id: String(job.id),
      runId: String(job.run_id),
      name: job.name,
      status: githubStatus(job.status, job.conclusion),
      startedAt: epochMs(job.started_at),
      durationMs: spanMs(job.started_at, job.completed_at, now),
      url: job.html_url ?? undefined,
      steps: (job.steps ?? []).map((step) => ({
        name: step.name,
        number: step.number,
        status: githubStatus(step.status, step.conclusion),
        startedAt: epochMs(step.started_at),
        durationMs: spanMs(step.started_at, step.completed_at, now),
      })),
    }));
  }

  /**
   * GitHub answers the log request with a 302 to short-lived storage; fetch follows it (and drops the
   * Authorization header on the way, the storage URL carries its own signature). A job that has not ended has no
   * log there yet.
   */
  async jobLog(job: JobRef, opts: { signal?: AbortSignal } = {}): Promise<JobLog> {
    const { owner, name } = splitRepo(job.repo);
    const jobId = numericId(job.id, 'job');
    const what = `log of job ${job.id} in ${job.repo}`;
    const info = await this.call(what, () =>
      this.octokit.rest.actions.getJobForWorkflowRun({
        owner,
        repo: name,
        job_id: jobId,
        request: { signal: opts.signal },
      }),
    );
    if (info.data.status !== 'completed')
      return {
        lines: [],
        complete: false,
        note: 'GitHub publishes a job’s log when the job ends; its steps show how far it is',
      };
    const answer = await this.call(what, () =>
      this.octokit.rest.actions.downloadJobLogsForWorkflowRun({
        owner,
        repo: name,
        job_id: jobId,
        request: { signal: opts.signal },
      }),
    );
    const data = answer.data as unknown;
    const text =
      typeof data === 'string'
        ? data
        : data instanceof ArrayBuffer
          ? new TextDecoder().decode(data)
          : String(data ?? '');
    return { lines: this.logLines(text), complete: true };
  }

  async trigger(repo: string, request: TriggerRequest): Promise<TriggerOutcome> {
    const { owner, name } = splitRepo(repo);
    if (request.clone) {
      const spec = await readDispatchSpec(request.clone, request.workflow);
      const problems = dispatchInputProblems(spec, request.inputs, request.workflow);
      if (problems.length > 0) throw new CiError('invalid', `${repo}: ${problems.join('; ')}`);
    }
    await this.call(`dispatch of ${request.workflow} on ${request.ref} in ${repo}`, () =>
      this.octokit.rest.actions.createWorkflowDispatch({
        owner,
        repo: name,
        workflow_id: request.workflow,
        ref: request.ref,
        inputs: request.inputs,
      }),
    );
    return { message: `${repo}: ${request.workflow} dispatched on ${request.ref}` };
  }

  async rerunFailed(run: RunRef): Promise<void> {
    const { owner, name } = splitRepo(run.repo);
    await this.call(`re-run of the failed jobs of run ${run.id} in ${run.repo}`, () =>
      this.octokit.rest.actions.reRunWorkflowFailedJobs({
        owner,
        repo: name,
        run_id: numericId(run.id, 'run'),
      }),
    );
  }

  async cancel(run: RunRef): Promise<void> {
    const { owner, name } = splitRepo(run.repo);
    await this.call(`cancel of run ${run.id} in ${run.repo}`, () =>
      this.octokit.rest.actions.cancelWorkflowRun({ owner, repo: name, run_id: numericId(run.id, 'run') }),
    );
  }

  private runOf(repo: string, run: GitHubRun): PipelineRun {
    const started = run.run_started_at ?? run.created_at;
    const status = githubStatus(run.status, run.conclusion);
    const finished = run.status === 'completed';
    return {
      source: 'github',
      repo,
      id: String(run.id),
      workflow: run.name ?? workflowFileOf(run.path ?? ''),
      workflowFile: run.path ? workflowFileOf(run.path) : undefined,
      branch: run.head_branch ?? undefined,
      commit: run.head_sha,
      event: run.event,
      status,
      who: run.triggering_actor?.login ?? run.actor?.login,
      startedAt: epochMs(started),
      durationMs: spanMs(started, finished ? run.updated_at : undefined, this.now()),
      url: run.html_url,
      attempt: run.run_attempt,
    };
  }

  private logLines(text: string): string[] {
    const max = this.opts.maxLogLines ?? 20_000;
    const raw = text.split(/\r?\n/);
    if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
    return raw.slice(-max).map((line) => this.mask.line(stripControl(line), 'log'));
  }

  /** Runs one call, turning whatever octokit throws into a `CiError` a person reads (the token masked). */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.gate.check();
    try {
      return await run();
    } catch (err) {
      throw this.ciError(what, err);
    }
  }

  private async conditional<O extends Record<string, unknown> & { method?: string; headers?: object }>(
    request: (options: O) => Promise<OctokitResponse>,
    options: O,
  ): Promise<OctokitResponse> {
    this.gate.check();
    const parsed = this.octokit.request.endpoint.parse(options as never);
    const key = parsed.method === 'GET' ? parsed.url : undefined;
    const hit = key ? this.cached.get(key) : undefined;
    // In place: the hooks octokit registered before this one were bound to this very options object.
    if (hit) Object.assign(options, { headers: { ...options.headers, 'if-none-match': hit.etag } });
    // Octokit waits for ever by default: a hung connection must end as a network error.
    const given = (options.request as { signal?: AbortSignal } | undefined)?.signal;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    Object.assign(options, {
      request: {
        ...(options.request as object),
        signal: given ? AbortSignal.any([given, timeout]) : timeout,
      },
    });
    try {
      const response = await request(options);
      this.observe(response.headers);
      const etag = response.headers.etag;
      // Only API answers: a log is large and fetched once.
      if (
        key &&
        typeof etag === 'string' &&
        typeof response.data === 'object' &&
        !(response.data instanceof ArrayBuffer)
      )
        // A copy: octokit's pagination rewrites `data` of the response it is given.
        this.remember(key, { etag, response: structuredClone(response) });
      return response;
    } catch (err) {
      const failure = err as HttpFailure;
      if (failure.response) this.observe(failure.response.headers);
      if (failure.status === 304 && hit && key) {
        this.cached.delete(key);
        this.cached.set(key, hit);
        return structuredClone(hit.response);
      }
      this.noteRateLimit(failure);
      throw err;
    }
  }

  private remember(key: string, entry: { etag: string; response: OctokitResponse }) {
    this.cached.delete(key);
    this.cached.set(key, entry);
    const max = this.opts.maxCachedResponses ?? 500;
    while (this.cached.size > max) this.cached.delete(this.cached.keys().next().value as string);
  }

  private observe(headers: OctokitResponse['headers']) {
    const remaining = countHeader(header(headers, 'x-ratelimit-remaining'));
    if (remaining === undefined) return;
    this.lastQuota = {
      limit: countHeader(header(headers, 'x-ratelimit-limit')),
      remaining,
      resetAt: epochSecondsHeader(header(headers, 'x-ratelimit-reset')),
      seenAt: this.now(),
    };
  }

  /**
   * GitHub's documented rate-limit answers: 403 or 429 with `x-ratelimit-remaining: 0` (primary: wait until
   * `x-ratelimit-reset`), or with `retry-after` (secondary: wait that many seconds), or a secondary-limit message
   * without either (wait at least a minute).
   */
  private noteRateLimit(failure: HttpFailure) {
    if (failure.status !== 403 && failure.status !== 429) return;
    const headers = failure.response?.headers ?? {};
    const retryAfter = countHeader(header(headers, 'retry-after'));
    const reset = epochSecondsHeader(header(headers, 'x-ratelimit-reset'));
    const exhausted = header(headers, 'x-ratelimit-remaining') === '0';
    const now = this.now();
    if (retryAfter !== undefined)
      this.gate.block(now + retryAfter * 1000, 'GitHub asks to slow down (secondary rate limit)');
    else if (exhausted && reset) this.gate.block(reset, 'GitHub API rate limit used up');
    else if (failure.status === 429 || /rate limit/i.test(failure.message))
      this.gate.block(now + 60_000, 'GitHub asks to slow down (secondary rate limit)');
  }

  private ciError(what: string, err: unknown): Error {
    if (err instanceof CiError) return err;
    const failure = err as HttpFailure;
    const status = typeof failure.status === 'number' ? failure.status : undefined;
    const detail = this.mask.text(providerMessage(failure));
    const token = `the token${this.opts.tokenFrom ? ` from ${this.opts.tokenFrom}` : ''}`;
    const text = (kind: CiError['kind'], message: string, retryAt?: number) =>
      new CiError(kind, maskSecrets(message, [this.opts.token]), status, retryAt);
    if (status === undefined || (status === 500 && !failure.response))
      return text('network', `${what}: cannot reach GitHub (${detail})`);
    if (status === 401)
      return text('auth', `${what}: GitHub refused ${token} (401 ${detail}): it is expired or wrong`);
    if (status === 403 || status === 429) {
      try {
        this.gate.check();
      } catch (limited) {
        const retryAt = (limited as CiError).retryAt;
        return text('rate-limited', `${what}: ${(limited as CiError).message}`, retryAt);
      }
      return text('auth', `${what}: ${token} may not do this (${status} ${detail})`);
    }
    if (status === 404)
      return text(
        'not-found',
        `${what}: not found on GitHub (404): no such repository, workflow, run or job, or ${token} cannot see it`,
      );
    if (status === 409) return text('conflict', `${what}: ${detail} (409)`);
    if (status === 422) return text('invalid', `${what}: GitHub refused it: ${detail} (422)`);
    return text('provider', `${what}: GitHub answered ${status}: ${detail}`);
  }
}

/** GitHub's message without its documentation link (`Bad credentials - https://docs.github.com/rest`). */
function providerMessage(failure: HttpFailure): string {
  const data = failure.response?.data;
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string')
    return data.message;
  const message = typeof failure.message === 'string' ? failure.message : String(failure);
  return message.replace(/ - https:\/\/docs\.github\.com\S*$/, '');
}

function header(headers: OctokitResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
}

export function githubStatus(
  status: string | null | undefined,
  conclusion: string | null | undefined,
): PipelineStatus {
  switch (status) {
    case 'completed':
      switch (conclusion) {
        case 'success':
        case 'neutral':
          return 'passed';
        case 'cancelled':
          return 'cancelled';
        case 'skipped':
        case 'stale':
          return 'skipped';
        case 'action_required':
          return 'waiting';
        default:
          return 'failed';
      }
    case 'in_progress':
      return 'running';
    case 'waiting':
    case 'action_required':
      return 'waiting';
    default:
      return 'queued';
  }
}

function splitRepo(repo: string): { owner: string; name: string } {
  const [owner, name, ...rest] = repo.split('/');
  if (!owner || !name || rest.length > 0)
    throw new CiError('invalid', `"${repo}" is not a GitHub owner/repository`);
  return { owner, name };
}

function numericId(id: string, what: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CiError('invalid', `"${id}" is not a GitHub ${what} id`);
  return n;
}

/** `.github/workflows/ci.yml` -> `ci.yml`. */
function workflowFileOf(path: string): string {
  return path.split('/').pop() ?? path;
}

interface GitHubActor {
  login: string;
}

interface GitHubRun {
  id: number;
  name?: string | null;
  path?: string;
  head_branch: string | null;
  head_sha: string;
  event: string;
  status: string | null;
  conclusion: string | null;
  actor?: GitHubActor | null;
  triggering_actor?: GitHubActor | null;
  run_started_at?: string;
  created_at: string;
  updated_at: string;
  html_url: string;
  run_attempt?: number;
}

interface GitHubJob {
  id: number;
  run_id: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  html_url: string | null;
  steps?: {
    name: string;
    number: number;
    status: string;
    conclusion: string | null;
    started_at?: string | null;
    completed_at?: string | null;
  }[];
}

interface GitHubWorkflow {
  id: number;
  name: string;
  path: string;
  state: string;
}
