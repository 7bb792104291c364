/**
 * One shape for every source of pipeline runs: GitHub Actions, GitLab CI and infradeck's own local pipelines,
 * so a tab shows one table over all of them and the CLI prints one JSON.
 */

export type PipelineSource = 'github' | 'gitlab' | 'local';

/**
 * A run's, job's or step's state in the words of the table. `waiting`: held for an approval or a free runner
 * (GitHub `waiting`/`action_required`, GitLab `scheduled`/`waiting_for_resource`), or a local step whose needs have
 * not passed yet (it has no job until then). `manual`: a GitLab job that runs only when someone plays it, and a
 * pipeline stopped at one (GitLab `manual`, as `glab` says it; GitHub has no such jobs). `queued`: its job exists
 * and waits for a worker. Neither `waiting` nor `manual` has ended.
 */
export type PipelineStatus =
  | 'queued'
  | 'waiting'
  | 'manual'
  | 'running'
  | 'passed'
  | 'failed'
  | 'cancelled'
  | 'skipped';

export const finishedStatuses: ReadonlySet<PipelineStatus> = new Set([
  'passed',
  'failed',
  'cancelled',
  'skipped',
]);

/** Whether a run (job) may still change: a watched one keeps being polled, a finished one never again. */
export function isFinished(status: PipelineStatus): boolean {
  return finishedStatuses.has(status);
}

/** Which run: enough to ask its source again (the repository as the source names it, and its id there). */
export interface RunRef {
  repo: string;
  id: string;
}

export interface PipelineRun extends RunRef {
  source: PipelineSource;
  /** The workflow's or pipeline's name as people know it (`CI`, `build`). */
  workflow: string;
  /** What a trigger names: GitHub's workflow file (`ci.yml`), GitLab's `.gitlab-ci.yml`, a local pipeline name. */
  workflowFile?: string;
  branch?: string;
  /** Full commit hash. */
  commit?: string;
  /** Why it ran: `push`, `pull_request`, `schedule`, `workflow_dispatch`, `web`, `api`, `manual`. */
  event?: string;
  status: PipelineStatus;
  /** Who started it (a login, a user name, `user@host` for local runs). */
  who?: string;
  /** Epoch ms. */
  startedAt?: number;
  /** Until now for a running run. */
  durationMs?: number;
  /** Where a browser shows it; absent for local runs. */
  url?: string;
  /** 1 for the first attempt; a re-run of failed jobs makes another. */
  attempt?: number;
}

/** A job's step (GitHub's steps; a local pipeline's steps are its jobs). */
export interface PipelineStep {
  name: string;
  number: number;
  status: PipelineStatus;
  startedAt?: number;
  durationMs?: number;
}

export interface JobRef {
  repo: string;
  id: string;
}

export interface PipelineJob extends JobRef {
  /** `''` for a local step that has no job: it waits for its needs, or never ran (skipped, cancelled first). */
  id: string;
  runId: string;
  name: string;
  /** GitLab's stage; absent elsewhere. */
  stage?: string;
  status: PipelineStatus;
  startedAt?: number;
  durationMs?: number;
  url?: string;
  steps: PipelineStep[];
  /**
   * A local step waiting for its job: the steps it needs that have not passed yet, in the file's order; empty when
   * they all passed (or it needs none) and its run has yet to queue it.
   */
  waitsFor?: string[];
}

/** A job's output, escape sequences and controls stripped and secrets masked, one entry per line. */
export interface JobLog {
  lines: string[];
  /** False while the job runs: poll again for more. */
  complete: boolean;
  /** Why there are no lines yet (GitHub publishes a job's log only when the job ends). */
  note?: string;
}

/** What the provider says is left of the API quota (GitHub: per hour; GitLab: per minute). */
export interface ApiQuota {
  limit?: number;
  remaining: number;
  /** Epoch ms when `remaining` is back to `limit`. */
  resetAt?: number;
  /** Epoch ms when this was read. */
  seenAt: number;
}

export interface ListRunsOptions {
  /** GitHub: a workflow file name or id; GitLab: ignored (a project has one pipeline definition). */
  workflow?: string;
  branch?: string;
  limit: number;
  signal?: AbortSignal;
}

export interface TriggerRequest {
  /** GitHub: the workflow file (`deploy.yml`); GitLab: `.gitlab-ci.yml` or empty; local: the pipeline name. */
  workflow: string;
  /** Branch or tag. */
  ref: string;
  /** GitHub `workflow_dispatch` inputs; GitLab pipeline variables. */
  inputs: Record<string, string>;
  /** The local clone, where the workflow file is read to check the inputs before asking the provider. */
  clone?: string;
}

export interface TriggerOutcome {
  /** The new run, when the source says which one it is (GitHub's dispatch answers with no id). */
  run?: RunRef;
  message: string;
}

/** A workflow of a repository, with the inputs a trigger form asks for. */
export interface Workflow {
  repo: string;
  /** What `TriggerRequest.workflow` takes. */
  workflow: string;
  name: string;
  /** Whether a trigger is possible at all (GitHub: only workflows with `on: workflow_dispatch`). */
  triggerable: boolean;
  /** The workflow is disabled at the provider. */
  disabled?: boolean;
}

/**
 * A source of runs. Reads are cheap to repeat (conditional requests, a shared quota); the three mutations are
 * what the `ci` job kind runs on a worker, never a screen directly.
 */
export interface PipelineClient {
  readonly source: PipelineSource;
  /** Newest first. */
  listRuns(repo: string, opts: ListRunsOptions): Promise<PipelineRun[]>;
  /** `clone`: the local clone, to tell which workflows can be triggered (GitHub reads the workflow files). */
  workflows(repo: string, opts?: { signal?: AbortSignal; clone?: string }): Promise<Workflow[]>;
  runJobs(run: RunRef, opts?: { signal?: AbortSignal }): Promise<PipelineJob[]>;
  jobLog(job: JobRef, opts?: { signal?: AbortSignal }): Promise<JobLog>;
  trigger(repo: string, request: TriggerRequest): Promise<TriggerOutcome>;
  rerunFailed(run: RunRef): Promise<void>;
  cancel(run: RunRef): Promise<void>;
  /** The last quota the provider reported; undefined before the first answer (and for local pipelines). */
  quota(): ApiQuota | undefined;
}

/**
 * Why a call failed, in a form a status bar can use: `auth` (no, expired or wrong token), `not-found`,
 * `rate-limited` (with when to try again), `conflict` (e.g. cancelling a finished run), `invalid` (the provider
 * refused the request's content), `network`, `provider` (anything else the provider answered).
 */
export type CiErrorKind =
  | 'auth'
  | 'not-found'
  | 'rate-limited'
  | 'conflict'
  | 'invalid'
  | 'network'
  | 'provider';

export class CiError extends Error {
  override readonly name = 'CiError';
  /** A job that failed so fails the same way again: the runner does not retry it. */
  readonly permanent: boolean;
  constructor(
    readonly kind: CiErrorKind,
    message: string,
    /** HTTP status, when there was an answer. */
    readonly status?: number,
    /** Epoch ms: for `rate-limited`, when the provider takes requests again. */
    readonly retryAt?: number,
  ) {
    super(message);
    this.permanent = kind === 'auth' || kind === 'not-found' || kind === 'invalid' || kind === 'conflict';
  }
}

/**
 * Remembers when a provider said "no more until T" (a 403/429 with its reset time) and refuses every call
 * before T without sending it: polling through a rate limit only makes the provider extend it.
 */
export class RateLimitGate {
  private until = 0;
  private reason = '';

  constructor(private readonly now: () => number = Date.now) {}

  block(until: number, reason: string): void {
    if (until <= this.until) return;
    this.until = until;
    this.reason = reason;
  }

  /** Throws the rate-limit error while blocked. */
  check(): void {
    const now = this.now();
    if (now >= this.until) return;
    throw new CiError('rate-limited', `${this.reason}; ${untilText(this.until, now)}`, undefined, this.until);
  }
}

/** `try again at 14:05:09 UTC (in 3 min)`. */
export function untilText(at: number, now: number = Date.now()): string {
  const seconds = Math.max(1, Math.ceil((at - now) / 1000));
  const wait = seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
  return `try again at ${new Date(at).toISOString().slice(11, 19)} UTC (in ${wait})`;
}

/** Epoch ms from a header holding Unix seconds; undefined when missing or not a number. */
export function epochSecondsHeader(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

/** A non-negative integer from a header; undefined when missing or not one. */
export function countHeader(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Epoch ms between two ISO times (or until `now` when the end is missing); undefined without a start. */
export function spanMs(
  start: string | null | undefined,
  end: string | null | undefined,
  now: number,
): number | undefined {
  if (!start) return undefined;
  const from = Date.parse(start);
  if (!Number.isFinite(from)) return undefined;
  const to = end ? Date.parse(end) : now;
  return Number.isFinite(to) ? Math.max(0, to - from) : undefined;
}

export function epochMs(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

export interface PollSituation {
  /** The Pipelines tab is on screen. */
  visible: boolean;
  /** A run that has not finished (or a running job's log) is open. */
  watchingRunning: boolean;
  /** The table's interval (the config's refresh). */
  tableMs: number;
  /** A followed run's interval. Default 5 s. */
  watchMs?: number;
  /** The provider's last word on the quota. */
  quota?: ApiQuota;
  /** Requests one poll costs (repositories, pages, jobs). */
  requestsPerPoll: number;
  now: number;
}

/**
 * When to ask a provider again, or undefined for "not at all": only while the tab is visible or a running run is
 * followed, and never faster than what is left of the quota allows until its reset (a tenth kept for the user's
 * own actions), so a tab left open over many repositories cannot use the token up.
 */
export function nextPollMs(s: PollSituation): number | undefined {
  const base = s.watchingRunning ? (s.watchMs ?? 5_000) : s.visible ? s.tableMs : undefined;
  if (base === undefined || base <= 0) return undefined;
  const q = s.quota;
  if (!q?.resetAt || q.resetAt <= s.now) return base;
  const untilReset = q.resetAt - s.now;
  const usable = q.remaining - Math.ceil((q.limit ?? 0) / 10);
  const cost = Math.max(1, s.requestsPerPoll);
  if (usable < cost) return Math.max(base, untilReset);
  return Math.max(base, Math.ceil(untilReset / Math.floor(usable / cost)));
}

/**
 * `nextPollMs` over every host a poll asks: the slowest any of their quotas allows. Each quota paces by itself
 * (GitHub's hourly 5000 and GitLab's per-minute 2000 are not comparable by what is left), and one whose reset has
 * passed (the `0 left` of a past 429) paces nothing.
 */
export function nextPollMsOver(
  s: Omit<PollSituation, 'quota'> & { quotas: readonly ApiQuota[] },
): number | undefined {
  const { quotas, ...situation } = s;
  let slowest = nextPollMs(situation);
  if (slowest === undefined) return undefined;
  for (const quota of quotas) slowest = Math.max(slowest, nextPollMs({ ...situation, quota }) ?? 0);
  return slowest;
}
