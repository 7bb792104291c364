import type { NewEvent } from '../../domain/event';
import {
  describeIssues,
  isJobKind,
  type JobLogLine,
  type JobRun,
  payloadSchemas,
  type Requester,
} from '../../domain/job';
import type { SecretMask } from '../../domain/secretMask';
import type { RequestFacts } from '../../domain/signature';
import { workerRoleRefusal } from '../access/roleRefusal';
import {
  type NonceStore,
  type ParentVerdicts,
  type RequestLookup,
  type ScheduleLookup,
  verifyRequest,
} from '../identity/verifyRequest';
import { attemptMarker, firstLineSeq } from './attemptMarker';
import type { BusStateObservable, Handler, JobAbort, JobContext, SomeHandlers } from './contracts';
import { isJobFailure } from './jobFailure';
import { type FlowStore, JobSuspended, jobFlow, type Suspension } from './jobFlow';
import { JobOutbox } from './jobOutbox';
import { jobOutputMask } from './outputMask';

/** A job as a transport hands it to `executeJob`: nothing in it is trusted (it may come from another version). */
export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
  requestedBy: Requester;
  timeoutMs?: number;
  /** Its signature and when it was queued, for `verifyRequest` (without it the job counts as unsigned). */
  request?: RequestFacts;
  /**
   * The job's runs before this one, oldest first (none on its first): the log says where this one begins
   * (`attemptMarker`) and numbers its lines apart from theirs.
   */
  earlierRuns?: readonly JobRun[];
}

/** Where a running job's progress and output go; each transport stores them its own way. */
export interface ExecutionSink {
  /** The worker's id (`host:pid`), used as the source of the events it publishes. */
  worker: string;
  publish(event: NewEvent): Promise<unknown>;
  saveProgress(step: number, total: number, message?: string): Promise<void>;
  /**
   * Store the progress and publish its event (`saveProgress` and `publish` at once) in one write that the transport
   * keeps in order with the job's end (Redis: one script on the worker's BullMQ connection, ahead of BullMQ's move
   * to completed there), so the job ends without waiting for it. Without it, the last progress is awaited.
   */
  sendProgress?(progress: { step: number; total: number; message?: string }, event: NewEvent): void;
  appendLog(line: JobLogLine): Promise<void>;
  /** `publish` and `appendLog` of an output line in one write, both or neither (Redis: one script). */
  publishLine?(event: NewEvent, line: JobLogLine): Promise<unknown>;
  /** The transport's connection: while it is away, output is held and sent when it is back. */
  state?: BusStateObservable;
  /** The job's saved state and children (`ctx.flow`). */
  flow: FlowStore;
  /** Where the nonces of signed jobs are kept for every worker of the bus (default: this process). */
  nonces?: NonceStore;
  /** A stored job's request by id: a child's parent, read only when signatures are required (`verifyRequest`). */
  requests?: RequestLookup;
  /** The jobs of this process's schedules, read only when signatures are required (`verifyRequest`). */
  schedules?: ScheduleLookup;
  /** The consumer's verdicts on parents, kept for their next children (`verifyRequest`). */
  parentVerdicts?: ParentVerdicts;
  /** Why this job may not run without an approval it lacks (`services/approvals/approvalGate`), or undefined. */
  unapproved?: (job: ClaimedJob) => Promise<string | undefined>;
  /**
   * `unapproved` holds an approval policy (not merely none): an operator's change of a protected project that passed
   * it was approved by an admin, so the roles let it run. Unset: roles refuse it (it needs an admin).
   */
  approvalsEnforced?: boolean;
}

export type ExecutionOutcome =
  | { kind: 'completed'; result: unknown }
  /**
   * `permanent`: retrying cannot help (unknown kind, bad payload, no handler): fail now. `result`: what a
   * handler that threw a `JobFailure` still had to show (a target's exit code and last line).
   */
  | { kind: 'failed'; error: string; permanent: boolean; result?: unknown }
  | { kind: 'cancelled'; message: string }
  /** The worker is going away: put the job back in the queue without counting the attempt. */
  | { kind: 'released' }
  /** A parent job stepped aside (`ctx.flow`): park it without a worker slot; its handler runs again later. */
  | { kind: 'suspended'; suspension: Suspension };

/** Safety net for handlers that do not bound their lines (the command handler cuts at 4096 already). */
export const maxLogLineLength = 16_384;
const progressEveryMs = 100;
/** How long a finished job waits for output held during a Redis outage to go out (its completion needs Redis too). */
const outboxDrainMs = 120_000;
const outboxDrainReleasedMs = 2_000;

/**
 * Run one claimed job: check its kind and payload, give the handler a `JobContext`, enforce the timeout, and
 * turn whatever happens into an outcome. Never throws. `signal` is the transport's: cancel or release.
 */
export async function executeJob(
  handlers: SomeHandlers,
  job: ClaimedJob,
  sink: ExecutionSink,
  signal: AbortSignal,
): Promise<ExecutionOutcome> {
  if (!isJobKind(job.kind)) {
    return {
      kind: 'failed',
      permanent: true,
      error: `unknown job kind "${job.kind}": this worker (infradeck) cannot run it; it may come from another version`,
    };
  }
  const handler = handlers[job.kind] as Handler<typeof job.kind> | undefined;
  if (!handler) {
    return {
      kind: 'failed',
      permanent: true,
      error: `worker ${sink.worker} has no handler for "${job.kind}" jobs`,
    };
  }
  const parsed = payloadSchemas[job.kind].safeParse(job.payload);
  if (!parsed.success) {
    return { kind: 'failed', permanent: true, error: `${job.kind} payload: ${describeIssues(parsed.error)}` };
  }
  if (signal.aborted) return fromAbort(signal.reason);
  // Who asked, checked where the work happens: a forged, tampered or replayed request (or an unsigned one when
  // signatures are required) fails for good, with the reason, which the job's finish audit entry records.
  const lookups = { jobs: sink.requests, schedules: sink.schedules, parents: sink.parentVerdicts };
  const unverified = await verifyRequest(job, sink.nonces, undefined, undefined, lookups).catch(
    (error: unknown) => ({
      retry: `request signature not checked: ${errorMessage(error)}`,
    }),
  );
  if (typeof unverified === 'string') return { kind: 'failed', permanent: true, error: unverified };
  if (unverified) return { kind: 'failed', permanent: false, error: unverified.retry };
  // Checked where the work happens: a job that needs an approval and never got one does not run (nor retry).
  const unapproved = await sink.unapproved?.(job).catch((error: unknown) => ({
    retry: `approval not checked: ${errorMessage(error)}`,
  }));
  if (typeof unapproved === 'string') return { kind: 'failed', permanent: true, error: unapproved };
  if (unapproved) return { kind: 'failed', permanent: false, error: unapproved.retry };
  // The asker's role in this worker's access.yaml (a broken file refuses every change), whoever queued the job.
  const refused = workerRoleRefusal({ ...job, payload: parsed.data }, sink.approvalsEnforced === true);
  if (refused) return { kind: 'failed', permanent: true, error: refused };

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (job.timeoutMs && job.timeoutMs > 0) {
    const timeoutMs = job.timeoutMs;
    timer = setTimeout(() => {
      const reason: JobAbort = { kind: 'timeout', message: `timed out after ${formatMs(timeoutMs)}` };
      controller.abort(reason);
    }, timeoutMs);
  }

  // One place every line and message of the job passes through before it leaves the worker: secrets are
  // masked here, whatever the handler (a command printing `env`, an error quoting a URL with its password):
  // the worker's secret values, those the payload's own `env` sets, and secret shapes (`outputMask.ts`).
  const mask = jobOutputMask(parsed.data);
  const progress = new ProgressReporter(sink, job, mask);
  let seq = firstLineSeq(job.attempt, job.earlierRuns);
  const source = { worker: sink.worker };
  const outbox = new JobOutbox(sink, (text) => {
    ctx.log(text, 'info').catch(() => {});
  });
  const ctx: JobContext = {
    jobId: job.id,
    attempt: job.attempt,
    earlierRuns: job.earlierRuns ?? [],
    requestedBy: job.requestedBy,
    signal: controller.signal,
    progress: (step, total, message) => progress.report(step, total, message),
    log: async (text, stream = 'stdout') => {
      const line: JobLogLine = {
        attempt: job.attempt,
        seq: seq++,
        stream,
        text: clipLine(mask.line(text, stream)),
        at: Date.now(),
      };
      await outbox.send(
        {
          at: line.at,
          level: stream === 'stderr' ? 'warn' : 'info',
          type: 'job.log',
          jobId: job.id,
          source,
          message: line.text,
          data: { attempt: line.attempt, seq: line.seq, stream },
        },
        line,
      );
    },
    emit: async (event) => {
      await outbox.send({ ...mask.event(event), jobId: job.id, source });
    },
    flow: jobFlow(sink.flow),
  };

  try {
    // Where this attempt's output begins, in front of it: the earlier attempts' lines stay above.
    const marker = attemptMarker(job, sink.worker, job.earlierRuns);
    if (marker) await ctx.log(marker, 'info');
    const result = await handler(parsed.data, ctx);
    await progress.flush();
    // A handler that ignores its signal and returns normally after a cancel still ends cancelled.
    if (controller.signal.aborted) return fromAbort(controller.signal.reason);
    return { kind: 'completed', result: mask.deep(result) };
  } catch (error) {
    await progress.flush().catch(() => {});
    if (controller.signal.aborted) return fromAbort(controller.signal.reason);
    if (error instanceof JobSuspended) return { kind: 'suspended', suspension: error.suspension };
    return {
      kind: 'failed',
      permanent: isPermanent(error),
      error: mask.text(errorMessage(error)),
      ...(isJobFailure(error) && error.result !== undefined ? { result: mask.deep(error.result) } : {}),
    };
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onOuterAbort);
    progress.stop();
    // Before the job's end is reported: followers see every line before `job.completed`.
    await outbox.drain(signal.aborted ? outboxDrainReleasedMs : outboxDrainMs);
  }
}

/**
 * A handler says retrying cannot help by throwing an error with `permanent: true` (a refusal: read-only, wrong
 * confirmation, a project locked by another deploy). Such a job fails at once instead of being retried.
 */
function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

export function isJobAbort(reason: unknown): reason is JobAbort {
  return (
    typeof reason === 'object' &&
    reason !== null &&
    ['cancel', 'timeout', 'release'].includes((reason as JobAbort).kind) &&
    typeof (reason as JobAbort).message === 'string'
  );
}

function fromAbort(reason: unknown): ExecutionOutcome {
  if (!isJobAbort(reason)) return { kind: 'cancelled', message: 'cancelled' };
  if (reason.kind === 'release') return { kind: 'released' };
  if (reason.kind === 'timeout') return { kind: 'failed', permanent: false, error: reason.message };
  return { kind: 'cancelled', message: reason.message };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function clipLine(text: string): string {
  if (text.length <= maxLogLineLength) return text;
  return `${text.slice(0, maxLogLineLength)}… [${text.length - maxLogLineLength} more characters]`;
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

/**
 * Progress is stored and published at most every 100 ms per job (the latest value wins), so a handler that
 * reports on every item of a million-item loop costs a few writes a second.
 */
class ProgressReporter {
  private pending: { step: number; total: number; message?: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSent = 0;
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: ExecutionSink,
    private readonly job: ClaimedJob,
    private readonly mask: SecretMask,
  ) {}

  report(step: number, total: number, message?: string): void {
    const safeTotal = Number.isFinite(total) && total >= 0 ? Math.floor(total) : 0;
    const safeStep = Number.isFinite(step) ? Math.min(Math.max(0, Math.floor(step)), safeTotal) : 0;
    this.pending = {
      step: safeStep,
      total: safeTotal,
      ...(message !== undefined ? { message: this.mask.text(message) } : {}),
    };
    const wait = this.lastSent + progressEveryMs - Date.now();
    if (wait <= 0) this.send();
    else if (!this.timer) this.timer = setTimeout(() => this.send(), wait);
  }

  flush(): Promise<void> {
    if (this.pending) this.send();
    return this.inflight;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.stop();
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.lastSent = Date.now();
    const event: NewEvent = {
      level: 'info',
      type: 'job.progress',
      jobId: this.job.id,
      source: { worker: this.sink.worker },
      message: p.message ?? `${p.step}/${p.total}`,
      data: { step: p.step, total: p.total },
    };
    if (this.sink.sendProgress) {
      this.sink.sendProgress(p, event);
      return;
    }
    const write = Promise.all([
      this.sink.saveProgress(p.step, p.total, p.message),
      this.sink.publish(event),
    ]).then(
      () => {},
      () => {},
    );
    this.inflight = this.inflight.then(() => write);
  }
}
