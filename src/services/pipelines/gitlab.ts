import { createRequesterFn, type FormattedResponse, type RequestOptions } from '@gitbeaker/requester-utils';
import { Jobs, Pipelines } from '@gitbeaker/rest';
import {
  type ApiQuota,
  CiError,
  countHeader,
  epochMs,
  epochSecondsHeader,
  isFinished,
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

export interface GitLabClientOptions {
  token: string;
  /** Where the token came from (`GITLAB_TOKEN`): error messages name it, never the token. */
  tokenFrom?: string;
  /** `gitlab.com` or a self-hosted host (`host[:port]`). */
  host: string;
  /** Default `https://<host>`. */
  origin?: string;
  now?: () => number;
  /** Lines kept of a job's log (the tail). Default 20,000. */
  maxLogLines?: number;
}

/** What the transport throws for an answer that is not 2xx; `call` makes a `CiError` of it. */
class GitLabHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GitLab CI through `@gitbeaker/rest`'s resources (endpoints, parameters, pagination) over a transport of our
 * own, plugged in where gitbeaker takes one (`requesterFn`): gitbeaker's default retries a 429 ten times within
 * a fraction of a second and drops the response headers of lists, so neither the provider's reset time nor the
 * remaining quota (`ratelimit-*` headers) would reach us.
 */
export class GitLabClient implements PipelineClient {
  readonly source = 'gitlab' as const;
  private readonly pipelines: InstanceType<typeof Pipelines<false>>;
  private readonly jobs: InstanceType<typeof Jobs<false>>;
  private readonly gate: RateLimitGate;
  private readonly now: () => number;
  private readonly mask: SecretMask;
  private lastQuota: ApiQuota | undefined;
  /** A pipeline's details by id, valid while its `updated_at` is the same: the list lacks user and times. */
  private readonly details = new Map<string, { updatedAt: string; pipeline: GitLabPipeline }>();

  constructor(private readonly opts: GitLabClientOptions) {
    this.now = opts.now ?? Date.now;
    this.gate = new RateLimitGate(this.now);
    this.mask = new SecretMask([opts.token]);
    const requesterFn = createRequesterFn(
      async (_service, options) => options,
      (endpoint, options) => this.send(endpoint, (options ?? {}) as RequestOptions),
    );
    const config = {
      host: opts.origin ?? `https://${opts.host}`,
      token: opts.token,
      requesterFn,
      queryTimeout: 30_000,
    };
    this.pipelines = new Pipelines(config);
    this.jobs = new Jobs(config);
  }

  quota(): ApiQuota | undefined {
    return this.lastQuota;
  }

  async listRuns(repo: string, opts: ListRunsOptions): Promise<PipelineRun[]> {
    const perPage = Math.max(1, Math.min(100, opts.limit));
    const listed = (await this.call(`pipelines of ${repo}`, () =>
      this.pipelines.all(repo, {
        perPage,
        maxPages: Math.ceil(opts.limit / perPage),
        ...(opts.branch ? { ref: opts.branch } : {}),
        orderBy: 'id',
        sort: 'desc',
      }),
    )) as unknown as GitLabPipeline[];
    const runs: PipelineRun[] = [];
    for (const summary of listed.slice(0, opts.limit)) {
      const pipeline = await this.detailsOf(repo, summary);
      runs.push(this.runOf(repo, pipeline));
    }
    return runs;
  }

  async workflows(repo: string): Promise<Workflow[]> {
    return [{ repo, workflow: '.gitlab-ci.yml', name: 'pipeline', triggerable: true }];
  }

  async runJobs(run: RunRef): Promise<PipelineJob[]> {
    const jobs = (await this.call(`jobs of pipeline ${run.id} in ${run.repo}`, () =>
      this.jobs.all(run.repo, { pipelineId: numericId(run.id, 'pipeline'), perPage: 100 }),
    )) as unknown as GitLabJob[];
    const now = this.now();
    return inStageOrder(jobs).map((job) => ({
      repo: run.repo,
      id: String(job.id),
      runId: run.id,
      name: job.name,
      stage: job.stage,
      status: gitlabStatus(job.status),
      startedAt: epochMs(job.started_at),
      durationMs: spanMs(job.started_at, job.finished_at, now),
      url: job.web_url,
      steps: [],
    }));
  }

  /** GitLab serves a running job's trace as far as it goes: the log is `complete` once the job has ended. */
  async jobLog(job: JobRef): Promise<JobLog> {
    const jobId = numericId(job.id, 'job');
    const what = `log of job ${job.id} in ${job.repo}`;
    const info = (await this.call(what, () => this.jobs.show(job.repo, jobId))) as unknown as GitLabJob;
    const trace = await this.call(what, () => this.jobs.showLog(job.repo, jobId));
    const text = typeof trace === 'string' ? trace : String(trace ?? '');
    const max = this.opts.maxLogLines ?? 20_000;
    const raw = text.split(/\r?\n/);
    if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
    const lines: string[] = [];
    for (const line of raw) {
      // A runner's section markers (`section_end:1733486402:step_script\r\e[0K`) are for GitLab's log viewer: an
      // end marker alone on its line would read as that text, since a closing CR does not wipe what came before.
      const text = line.replace(sectionMarker, '');
      if (text === '' && line !== '') continue;
      lines.push(text);
    }
    return {
      lines: lines.slice(-max).map((line) => this.mask.line(stripControl(line), 'log')),
      complete: isFinished(gitlabStatus(info.status)),
    };
  }

  async trigger(repo: string, request: TriggerRequest): Promise<TriggerOutcome> {
    const variables = Object.entries(request.inputs).map(([key, value]) => ({
      key,
      value,
      variable_type: 'env_var',
    }));
    const created = (await this.call(`pipeline on ${request.ref} in ${repo}`, () =>
      this.pipelines.create(repo, request.ref, variables.length > 0 ? { variables } : {}),
    )) as unknown as GitLabPipeline;
    return {
      run: { repo, id: String(created.id) },
      message: `${repo}: pipeline ${created.id} created on ${request.ref}`,
    };
  }

  /** GitLab's pipeline retry re-runs the failed and cancelled jobs, and keeps the ones that passed. */
  async rerunFailed(run: RunRef): Promise<void> {
    await this.call(`retry of pipeline ${run.id} in ${run.repo}`, () =>
      this.pipelines.retry(run.repo, numericId(run.id, 'pipeline')),
    );
  }

  async cancel(run: RunRef): Promise<void> {
    await this.call(`cancel of pipeline ${run.id} in ${run.repo}`, () =>
      this.pipelines.cancel(run.repo, numericId(run.id, 'pipeline')),
    );
  }

  private async detailsOf(repo: string, summary: GitLabPipeline): Promise<GitLabPipeline> {
    const key = `${repo}#${summary.id}`;
    const known = this.details.get(key);
    if (known && known.updatedAt === summary.updated_at) return known.pipeline;
    const pipeline = (await this.call(`pipeline ${summary.id} in ${repo}`, () =>
      this.pipelines.show(repo, summary.id),
    )) as unknown as GitLabPipeline;
    this.details.set(key, { updatedAt: pipeline.updated_at, pipeline });
    if (this.details.size > 2_000) this.details.delete(this.details.keys().next().value as string);
    return pipeline;
  }

  private runOf(repo: string, p: GitLabPipeline): PipelineRun {
    const status = gitlabStatus(p.status);
    const started = p.started_at ?? p.created_at;
    // GitLab sets `duration` (the time its jobs ran) when a pipeline ends and when it stops at a manual job (status
    // `manual`, no `finished_at`): counting from its start to now would make a pipeline blocked for a day take a day.
    const durationMs =
      typeof p.duration === 'number' && status !== 'running' && status !== 'queued'
        ? p.duration * 1000
        : spanMs(started, p.finished_at, this.now());
    return {
      source: 'gitlab',
      repo,
      id: String(p.id),
      workflow: p.name || 'pipeline',
      workflowFile: '.gitlab-ci.yml',
      branch: refName(p.ref),
      commit: p.sha,
      event: p.source,
      status,
      who: p.user?.username,
      startedAt: epochMs(started),
      durationMs,
      url: p.web_url,
    };
  }

  /** The transport gitbeaker's resources call: one fetch, the quota read, 429 closes the gate until the reset. */
  private async send(endpoint: string, options: RequestOptions): Promise<FormattedResponse> {
    this.gate.check();
    const base = options.prefixUrl?.endsWith('/') ? options.prefixUrl : `${options.prefixUrl ?? ''}/`;
    const url = new URL(endpoint, base);
    url.search = options.searchParams ?? '';
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method,
        headers: options.headers,
        body: options.body,
        signal: options.signal,
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      throw new CiError('network', `cannot reach ${url.origin}: ${cause?.message ?? (err as Error).message}`);
    }
    const headers = Object.fromEntries(response.headers.entries());
    this.observe(headers);
    if (response.ok) {
      const type = (headers['content-type'] ?? '').split(';')[0].trim();
      const body = (
        response.status === 204
          ? null
          : type === 'application/json'
            ? ((await response.json()) ?? {})
            : await response.text()
      ) as FormattedResponse['body'];
      return { body, headers, status: response.status };
    }
    const message = gitlabMessage(await response.text());
    if (response.status === 429) {
      const now = this.now();
      const retryAfter = countHeader(headers['retry-after']);
      const reset = epochSecondsHeader(headers['ratelimit-reset']);
      const until = retryAfter !== undefined ? now + retryAfter * 1000 : (reset ?? now + 60_000);
      this.gate.block(until, `GitLab rate limit reached on ${this.opts.host}`);
      // A 429 without `ratelimit-reset` still says when the quota is back: its `0 left` holds until then only.
      if (this.lastQuota && reset === undefined && countHeader(headers['ratelimit-remaining']) !== undefined)
        this.lastQuota = { ...this.lastQuota, resetAt: until };
    }
    throw new GitLabHttpError(response.status, message);
  }

  private observe(headers: Record<string, string>) {
    const remaining = countHeader(headers['ratelimit-remaining']);
    if (remaining === undefined) return;
    this.lastQuota = {
      limit: countHeader(headers['ratelimit-limit']),
      remaining,
      resetAt: epochSecondsHeader(headers['ratelimit-reset']),
      seenAt: this.now(),
    };
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      this.gate.check();
      return await run();
    } catch (err) {
      throw this.ciError(what, err);
    }
  }

  private ciError(what: string, err: unknown): CiError {
    const secrets = [this.opts.token];
    if (err instanceof CiError)
      return new CiError(err.kind, maskSecrets(`${what}: ${err.message}`, secrets), err.status, err.retryAt);
    const token = `the token${this.opts.tokenFrom ? ` from ${this.opts.tokenFrom}` : ''}`;
    if (!(err instanceof GitLabHttpError))
      return new CiError('provider', maskSecrets(`${what}: ${(err as Error).message}`, secrets));
    const detail = this.mask.text(err.message);
    const status = err.status;
    const make = (kind: CiError['kind'], message: string) =>
      new CiError(kind, maskSecrets(message, secrets), status);
    if (status === 401)
      return make(
        'auth',
        `${what}: ${this.opts.host} refused ${token} (${detail}): it is expired, revoked or wrong`,
      );
    if (status === 403)
      return make('auth', `${what}: ${token} may not do this on ${this.opts.host} (${detail})`);
    if (status === 404)
      return make(
        'not-found',
        `${what}: not found on ${this.opts.host} (${detail}), or ${token} cannot see it`,
      );
    if (status === 409) return make('conflict', `${what}: ${detail} (409)`);
    if (status === 400 || status === 422)
      return make('invalid', `${what}: ${this.opts.host} refused it: ${detail}`);
    if (status === 429) {
      try {
        this.gate.check();
      } catch (limited) {
        return new CiError(
          'rate-limited',
          `${what}: ${(limited as CiError).message}`,
          status,
          (limited as CiError).retryAt,
        );
      }
    }
    return make('provider', `${what}: ${this.opts.host} answered ${status}: ${detail}`);
  }
}

/** GitLab's error bodies: `{"message": "404 Project Not Found"}`, `{"message": {"base": ["…"]}}`, `{"error": "…"}`. */
function gitlabMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown; error_description?: unknown };
    const value = parsed.message ?? parsed.error_description ?? parsed.error;
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object')
      return Object.entries(value)
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
        .join('; ');
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 300) || 'no message';
}

/** `section_start:1733486400:prepare_executor[collapsed=true]\r\e[0K`: how a runner marks a log's sections. */
const sectionMarker = /section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]\r\n]*\])?\r\x1b\[0K/g;

/**
 * A merge request pipeline's ref (`refs/merge-requests/412/head`, `…/merge` for merged results, `…/train`) as GitLab
 * writes it everywhere else, `!412`: cut to the table's width, every such ref would read `refs/merge-requ…`.
 */
export function refName(ref: string | null | undefined): string | undefined {
  if (!ref) return undefined;
  const mr = /^refs\/merge-requests\/(\d+)\/(?:head|merge|train)$/.exec(ref);
  return mr ? `!${mr[1]}` : ref;
}

/**
 * A pipeline's jobs stage by stage, as GitLab shows them: the API lists them newest first (GitLab 13.5 and later),
 * which puts the last stage on top. A stage's place is its first job's (jobs are created stage by stage; a retried
 * job gets a new, higher id, but its stage keeps the place of the jobs it has left); within a stage, by name
 * (`rspec 2/3` before `rspec 10/3`).
 */
function inStageOrder(jobs: readonly GitLabJob[]): GitLabJob[] {
  const stageAt = new Map<string, number>();
  for (const job of jobs) stageAt.set(job.stage, Math.min(stageAt.get(job.stage) ?? job.id, job.id));
  return [...jobs].sort(
    (a, b) =>
      (stageAt.get(a.stage) ?? 0) - (stageAt.get(b.stage) ?? 0) ||
      a.name.localeCompare(b.name, 'en', { numeric: true }) ||
      a.id - b.id,
  );
}

export function gitlabStatus(status: string | null | undefined): PipelineStatus {
  switch (status) {
    case 'success':
      return 'passed';
    case 'failed':
      return 'failed';
    case 'canceled':
    case 'canceling':
      return 'cancelled';
    case 'skipped':
      return 'skipped';
    case 'running':
      return 'running';
    case 'manual':
      return 'manual';
    case 'scheduled':
    case 'waiting_for_resource':
      return 'waiting';
    default:
      return 'queued';
  }
}

function numericId(id: string, what: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CiError('invalid', `"${id}" is not a GitLab ${what} id`);
  return n;
}

interface GitLabPipeline {
  id: number;
  sha: string;
  ref: string | null;
  status: string;
  source?: string;
  name?: string | null;
  created_at: string;
  updated_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration?: number | null;
  web_url: string;
  user?: { username: string } | null;
}

interface GitLabJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  web_url: string;
}
