import { hostname } from 'node:os';
import type { ApprovalPolicy } from '../../domain/approval';
import type { NewAuditEntry } from '../../domain/audit';
import {
  checkJobSpec,
  describeJob,
  isFinished,
  isJobKind,
  type JobFilter,
  type JobKind,
  type JobLogLine,
  type JobPolicy,
  type JobSpec,
  type JobStatus,
  type JobView,
  jobStatuses,
  type Requester,
  type WorkerPresence,
} from '../../domain/job';
import { withRunEnded, withRunStarted } from '../../domain/jobRuns';
import { requestFacts } from '../../domain/signature';
import { roleRefusal } from '../access/roleRefusal';
import { type GateLookup, unapprovedReason } from '../approvals/approvalGate';
import {
  approvalFor,
  approvedRecords,
  checkReason,
  type Decision,
  decisionRefusal,
  expiredReason,
  heldRecords,
  rejectedRecords,
  rejectionError,
  unapprovedRetry,
} from '../approvals/approvalRequests';
import { signSpec } from '../identity/requestSigner';
import type { ParentVerdicts } from '../identity/verifyRequest';
import { BusError } from './busError';
import type { ConsumeOptions, JobAbort, JobConsumer, JobQueue, ParentFlow, SomeHandlers } from './contracts';
import { type ExecutionOutcome, executeJob } from './executeJob';
import type { FlowStore, Suspension } from './jobFlow';
import type { JobHistory } from './jobHistory';
import { childJobId, jobIdForKey, newJobId, policyFor } from './jobIds';
import { accepted, readOnlyRefusal, refusal } from './jobRequests';
import type { MemoryAuditLog } from './memoryAudit';
import type { MemoryEventBus } from './memoryEvents';
import { describeRequester } from './requester';

const logLinesKept = 1000;

interface MemoryJob {
  view: JobView;
  /** Order of enqueue in this process: breaks ties between jobs created in the same millisecond. */
  order: number;
  backoffMs: number;
  logs: JobLogLine[];
  /** Read from the history: its output is on disk until it is asked for (or the job runs again). */
  logsOnDisk?: boolean;
  controller?: AbortController;
  retryTimer?: NodeJS.Timeout;
  cancelledBy?: Requester;
  /** A parent's saved state (`ctx.flow.save`). */
  flowState?: unknown;
  /** A parent's children, in the order they were added. */
  children?: string[];
  /** Notes its children keep on it (`ctx.flow.parent.note`). */
  notes?: Map<string, unknown>;
  /** A suspended parent sleeping until a time, or until `resume` (then no timer); a pending job's expiry. */
  wakeTimer?: NodeJS.Timeout;
  sleeping?: boolean;
  /** The next run goes on with the current attempt (the handler stepped aside; it did not fail). */
  resuming?: boolean;
}

export interface MemoryQueueDeps {
  events: MemoryEventBus;
  audit: MemoryAuditLog;
  requester: Requester;
  policies?: Partial<Record<JobKind, Partial<JobPolicy>>>;
  /** Finished jobs kept for `list` (oldest dropped first). */
  keepFinished?: number;
  /**
   * The workspace's job history: ids are allocated from it, finished jobs are written to it and the jobs it
   * holds are listed. Without it, jobs live and die with this process and ids are random.
   */
  history?: JobHistory;
  /** Which jobs wait for an approval (`approval_pending`) and who may give it. */
  approvals?: ApprovalPolicy;
}

/**
 * Jobs in memory for the embedded console: the same states, retries, cancel and audit as the Redis transport,
 * run by consumers in this process. With a history, finished jobs outlive the process.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly jobs = new Map<string, MemoryJob>();
  /** Verdicts on the parents of children, with signed requests required (`verifyRequest`). */
  private readonly parentVerdicts: ParentVerdicts = new Map();
  private readonly waiting: string[] = [];
  private readonly consumers: MemoryConsumer[] = [];
  private enqueued = 0;
  private nextConsumer = 0;
  /** The history's jobs are in `jobs` once this resolves (it never rejects). */
  private readonly loaded: Promise<void>;

  constructor(private readonly deps: MemoryQueueDeps) {
    this.loaded = deps.history ? this.loadHistory(deps.history) : Promise.resolve();
  }

  async enqueue(spec: JobSpec): Promise<string> {
    await this.loaded;
    return this.add(spec);
  }

  /** Queue a job; a parent's child gets its id from the parent (`child`). */
  private async add(spec: JobSpec, child?: { id: string; parentId: string; key: string }): Promise<string> {
    const check = checkJobSpec(spec);
    const raw = spec as Partial<JobSpec> | undefined;
    if (!check.ok) {
      this.audit({
        who: raw?.requestedBy ?? this.deps.requester,
        action: 'job.enqueue',
        kind: typeof raw?.kind === 'string' ? raw.kind : undefined,
        what: describeJob(String(raw?.kind), raw?.payload),
        outcome: 'rejected',
        reason: check.error,
      });
      throw new BusError('invalid', `job refused: ${check.error}`);
    }
    // A person's request is signed here, when this process has a signing key; a child is its parent's work.
    const valid = child ? check.spec : await signSpec(check.spec);
    const readOnly = readOnlyRefusal(valid) ?? roleRefusal(valid, child ? undefined : this.deps.approvals);
    if (readOnly) {
      this.audit(readOnly.audit);
      throw readOnly.error;
    }
    const what = describeJob(valid.kind, valid.payload);
    const keyed = child?.id ?? (valid.idempotencyKey ? jobIdForKey(valid.idempotencyKey) : undefined);
    if (keyed && this.jobs.has(keyed)) {
      const id = keyed;
      this.audit({
        who: valid.requestedBy,
        action: 'job.enqueue',
        jobId: id,
        kind: valid.kind,
        what,
        outcome: 'deduplicated',
      });
      return id;
    }
    const policy = policyFor(valid.kind, this.deps.policies);
    const timeoutMs = valid.timeoutMs ?? (policy.timeoutMs || undefined);
    // A parent's children never wait: the worker checks them against their parent's approval.
    const approval = child ? undefined : approvalFor(this.deps.approvals, valid, Date.now());
    const makeView = (id: string): JobView => ({
      id,
      kind: valid.kind,
      status: approval ? 'approval_pending' : 'queued',
      step: 0,
      total: 0,
      attempts: 0,
      maxAttempts: valid.attempts ?? policy.attempts,
      requestedBy: valid.requestedBy,
      createdAt: Date.now(),
      payload: valid.payload,
      ...(valid.idempotencyKey ? { idempotencyKey: valid.idempotencyKey } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(valid.schedule ? { schedule: valid.schedule } : {}),
      ...(valid.signature ? { signature: valid.signature } : {}),
      ...(child ? { parentId: child.parentId, childKey: child.key } : {}),
      ...(approval ? { approval } : {}),
    });
    const history = this.deps.history;
    let view: JobView;
    if (keyed || !history) {
      view = makeView(keyed ?? this.freshId());
      history?.save(view);
    } else {
      try {
        view = await history.create(makeView);
      } catch (error) {
        // A workspace it cannot write (read-only, full) must not stop the work: the job runs, unrecorded.
        history.report(`job ids not counted in ${history.dir}: ${(error as Error).message}`);
        view = makeView(this.freshId());
      }
    }
    const { id } = view;
    this.jobs.set(id, { view, order: this.enqueued++, backoffMs: policy.backoffMs, logs: [] });
    if (approval) {
      const held = heldRecords(view, approval);
      this.deps.events.publishNow(held.event);
      this.audit(held.audit);
      this.armExpiry(this.jobs.get(id)!);
      return id;
    }
    this.waiting.push(id);
    this.publish(view, 'info', 'job.queued', `queued ${what}`, {
      kind: view.kind,
      summary: what,
      maxAttempts: view.maxAttempts,
      ...(child ? { parentId: child.parentId, childKey: child.key } : {}),
    });
    this.audit({
      who: valid.requestedBy,
      action: 'job.enqueue',
      jobId: id,
      kind: valid.kind,
      what,
      outcome: 'accepted',
    });
    this.pump();
    return id;
  }

  async cancel(id: string, by: Requester = this.deps.requester): Promise<void> {
    await this.loaded;
    const job = this.admit('job.cancel', id, by);
    const { view } = job;
    const message = `cancelled by ${describeRequester(by)}`;
    this.audit(accepted('job.cancel', id, by, view));
    if (view.approval?.state === 'pending')
      view.approval = { ...view.approval, state: 'cancelled', decidedBy: by, decidedAt: Date.now() };
    if (view.status === 'active' && job.controller) {
      job.cancelledBy = by;
      const reason: JobAbort = { kind: 'cancel', message };
      job.controller.abort(reason);
    } else {
      const at = this.waiting.indexOf(id);
      if (at >= 0) this.waiting.splice(at, 1);
      this.clearTimers(job);
      this.finish(job, { kind: 'cancelled', message }, by);
    }
    // The parent first: its children ending now must not wake it.
    for (const childId of job.children ?? []) {
      const child = this.jobs.get(childId);
      if (child && !isFinished(child.view.status)) await this.cancel(childId, by).catch(() => {});
    }
  }

  async resume(id: string, by: Requester = this.deps.requester): Promise<void> {
    await this.loaded;
    const job = this.jobs.get(id);
    const refused =
      refusal('job.resume', id, by, job?.view) ??
      (job && !job.sleeping
        ? refusal('job.resume', id, by, { ...job.view, status: 'queued' }) // a retry's backoff, not a sleep
        : undefined);
    if (refused) {
      this.audit(refused.audit);
      throw refused.error;
    }
    this.audit(accepted('job.resume', id, by, job!.view));
    this.wake(job!, 'resumed', by);
  }

  async approve(id: string, by: Requester = this.deps.requester): Promise<void> {
    await this.loaded;
    const job = this.decide('job.approve', id, by);
    const { view } = job;
    this.clearTimers(job);
    view.approval = { ...view.approval!, state: 'approved', decidedBy: by, decidedAt: Date.now() };
    view.status = 'queued';
    this.deps.history?.save(view);
    const records = approvedRecords(view, by);
    this.deps.events.publishNow(records.event);
    this.audit(records.audit);
    this.waiting.push(id);
    this.pump();
  }

  async reject(id: string, by: Requester = this.deps.requester, reason = ''): Promise<void> {
    await this.loaded;
    const text = checkReason(reason);
    this.endApproval(this.decide('job.reject', id, by), by, text);
  }

  /** The pending job a decision may act on (an expired one ends first); a refused decision is audited and thrown. */
  private decide(action: Decision, id: string, by: Requester): MemoryJob {
    const job = this.jobs.get(id);
    if (job) this.expireIfDue(job);
    const refused = decisionRefusal(action, id, by, job?.view, this.deps.approvals, Date.now());
    if (refused) {
      this.audit(refused.audit);
      throw refused.error;
    }
    return job!;
  }

  /** Expiry wakes at most every 24 days (a longer `setTimeout` would fire at once) and checks again. */
  private armExpiry(job: MemoryJob): void {
    const left = (job.view.approval?.expiresAt ?? 0) - Date.now();
    job.wakeTimer = setTimeout(
      () => this.expireIfDue(job) || this.armExpiry(job),
      Math.min(Math.max(0, left), 2 ** 31 - 1),
    );
    job.wakeTimer.unref?.();
  }

  private expireIfDue(job: MemoryJob): boolean {
    const approval = job.view.approval;
    if (approval?.state !== 'pending' || Date.now() < approval.expiresAt) return false;
    this.endApproval(job, this.deps.requester, expiredReason);
    return true;
  }

  private endApproval(job: MemoryJob, by: Requester, reason: string): void {
    const { view } = job;
    const now = Date.now();
    this.clearTimers(job);
    view.approval = { ...view.approval!, state: 'rejected', decidedBy: by, decidedAt: now, reason };
    Object.assign(view, { status: 'rejected', finishedAt: now, error: rejectionError(by, reason) });
    const records = rejectedRecords(view, by, reason);
    this.deps.events.publishNow(records.event);
    for (const entry of records.audit) this.audit(entry);
    this.deps.history?.save(view);
    this.forgetOldJobs();
  }

  /** What the worker's approval check reads: a job's approval, and a parent as it was queued. */
  private readonly gateLookup: GateLookup = {
    approval: async (id) => {
      const view = this.jobs.get(id)?.view;
      return view?.approval
        ? { state: view.approval.state, kind: view.kind, payload: view.payload }
        : undefined;
    },
    job: async (id) => this.jobs.get(id)?.view,
  };

  async retry(id: string, by: Requester = this.deps.requester): Promise<void> {
    await this.loaded;
    const held = this.jobs.get(id)?.view;
    const unapproved = held && unapprovedRetry(id, held);
    if (unapproved) {
      this.audit({ ...accepted('job.retry', id, by, held), outcome: 'rejected', reason: unapproved });
      throw new BusError('conflict', unapproved);
    }
    const job = this.admit('job.retry', id, by);
    const { view } = job;
    if (job.logsOnDisk) {
      // The output of its earlier attempts stays in front of the new one's.
      job.logsOnDisk = false;
      job.logs = await this.deps.history!.readLogs(id).catch(() => []);
    }
    Object.assign(view, { status: 'queued', step: 0, total: 0, attempts: 0 });
    job.resuming = false;
    for (const key of ['message', 'startedAt', 'finishedAt', 'result', 'error'] as const) delete view[key];
    this.waiting.push(id);
    this.publish(view, 'info', 'job.retried', `retry requested by ${describeRequester(by)}`, {
      kind: view.kind,
      by,
    });
    this.audit(accepted('job.retry', id, by, view));
    this.pump();
  }

  async list(filter: JobFilter = {}): Promise<JobView[]> {
    await this.loaded;
    const statuses = filter.status === undefined ? undefined : [filter.status].flat();
    const out: MemoryJob[] = [];
    for (const job of this.jobs.values()) {
      if (statuses && !statuses.includes(job.view.status)) continue;
      if (filter.kind && job.view.kind !== filter.kind) continue;
      out.push(job);
    }
    out.sort((a, b) => b.view.createdAt - a.view.createdAt || b.order - a.order);
    return out.slice(0, filter.limit ?? 200).map((job) => structuredClone(job.view));
  }

  async get(id: string): Promise<JobView | undefined> {
    await this.loaded;
    const job = this.jobs.get(id);
    return job ? structuredClone(job.view) : undefined;
  }

  async counts(): Promise<Record<JobStatus, number>> {
    await this.loaded;
    const counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const { view } of this.jobs.values()) counts[view.status]++;
    return counts;
  }

  async logs(id: string, opts: { tail?: number } = {}): Promise<JobLogLine[]> {
    await this.loaded;
    const job = this.jobs.get(id);
    const logs = job?.logsOnDisk ? await this.deps.history!.readLogs(id) : (job?.logs ?? []);
    return opts.tail !== undefined ? logs.slice(-Math.max(0, opts.tail)) : logs.slice();
  }

  consume(handlers: SomeHandlers, opts: ConsumeOptions = {}): JobConsumer {
    const n = this.nextConsumer++;
    const id = `${hostname()}:${process.pid}${n > 0 ? `#${n}` : ''}`;
    const consumer = new MemoryConsumer(this, id, handlers, opts);
    this.consumers.push(consumer);
    this.deps.events.publishNow({
      level: 'info',
      type: 'worker.online',
      source: { worker: id },
      message: `worker ${id} online (in-process, concurrency ${consumer.concurrency})`,
      data: { worker: id, concurrency: consumer.concurrency },
    });
    this.pump();
    return consumer;
  }

  workers(): WorkerPresence[] {
    return this.consumers.map((c) => c.presence());
  }

  /** @internal used by MemoryConsumer */
  removeConsumer(consumer: MemoryConsumer): void {
    const at = this.consumers.indexOf(consumer);
    if (at >= 0) this.consumers.splice(at, 1);
    this.deps.events.publishNow({
      level: 'info',
      type: 'worker.offline',
      source: { worker: consumer.id },
      message: `worker ${consumer.id} stopped`,
      data: { worker: consumer.id, reason: 'stopped' },
    });
  }

  /** Hand waiting jobs to consumers with free slots, round robin. */
  pump(): void {
    let progressed = true;
    while (this.waiting.length > 0 && progressed) {
      progressed = false;
      for (const consumer of this.consumers) {
        if (this.waiting.length === 0) break;
        if (!consumer.hasRoom()) continue;
        const id = this.waiting.shift()!;
        const job = this.jobs.get(id);
        if (job?.view.status !== 'queued') continue;
        progressed = true;
        void this.run(job, consumer);
      }
    }
  }

  private async run(job: MemoryJob, consumer: MemoryConsumer): Promise<void> {
    const { view } = job;
    const controller = new AbortController();
    job.controller = controller;
    view.status = 'active';
    const resuming = job.resuming === true;
    job.resuming = false;
    if (!resuming) view.attempts++;
    view.startedAt = Date.now();
    view.worker = consumer.id;
    view.runs = withRunStarted(view.runs, {
      attempt: view.attempts,
      startedAt: view.startedAt,
      worker: consumer.id,
    });
    // Should this process die without a word, the next one lists the job as interrupted, with this attempt.
    this.deps.history?.save(view);
    consumer.started(view, controller);
    this.publish(
      view,
      'info',
      'job.started',
      `started on ${consumer.id} (attempt ${view.attempts}/${view.maxAttempts})`,
      {
        kind: view.kind,
        attempt: view.attempts,
        maxAttempts: view.maxAttempts,
        worker: consumer.id,
        startedAt: view.startedAt,
      },
    );
    const events = this.deps.events;
    const outcome = await executeJob(
      consumer.handlers,
      {
        id: view.id,
        kind: view.kind,
        payload: view.payload,
        attempt: view.attempts,
        maxAttempts: view.maxAttempts,
        requestedBy: view.requestedBy,
        timeoutMs: view.timeoutMs,
        request: requestFacts(view),
        earlierRuns: view.runs.slice(0, -1),
      },
      {
        worker: consumer.id,
        publish: async (event) => events.publishNow(event),
        saveProgress: async (step, total, message) => {
          Object.assign(view, { step, total });
          if (message !== undefined) view.message = message;
        },
        appendLog: async (line) => {
          job.logs.push(line);
          if (job.logs.length > logLinesKept + 100) job.logs.splice(0, job.logs.length - logLinesKept);
        },
        flow: this.flowStore(job),
        requests: async (id) => {
          const stored = this.jobs.get(id)?.view;
          return stored && { ...stored, request: requestFacts(stored) };
        },
        ...(consumer.opts.scheduledJob ? { schedules: consumer.opts.scheduledJob } : {}),
        parentVerdicts: this.parentVerdicts,
        unapproved: (claimed) =>
          unapprovedReason(this.deps.approvals, { ...claimed, parentId: view.parentId }, this.gateLookup),
        approvalsEnforced: this.deps.approvals !== undefined,
      },
      controller.signal,
    );
    job.controller = undefined;
    consumer.ended(view.id, outcome.kind);
    // Handed back: a run that went on with an attempt goes on with it again on the next consumer.
    if (outcome.kind === 'released' && resuming) {
      job.resuming = true;
      view.attempts++;
    }
    this.finish(job, outcome);
    this.pump();
  }

  private flowStore(job: MemoryJob): FlowStore {
    const parentId = job.view.parentId;
    return {
      state: job.flowState,
      save: async (state) => {
        job.flowState = state;
      },
      // A cancelled parent adds nothing more: its cancel has already gone through the children it had.
      addChildren: (children) => this.addChildrenTo(job, children, () => !job.controller?.signal.aborted),
      children: async () =>
        (job.children ?? []).flatMap((id) => {
          const child = this.jobs.get(id);
          return child ? [structuredClone(child.view)] : [];
        }),
      ...(parentId !== undefined ? { parent: this.parentFlow(parentId) } : {}),
      output: async () => job.logs.slice(),
    };
  }

  /** Queue children of `parent` one by one while `open()` holds (it is read again before each). */
  private async addChildrenTo(
    parent: MemoryJob,
    children: { key: string; spec: JobSpec }[],
    open: () => boolean,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const { key, spec } of children) {
      if (!open()) throw new Error(`job ${parent.view.id} is no longer running`);
      const id = await this.add(spec, { id: childJobId(parent.view.id, key), parentId: parent.view.id, key });
      parent.children ??= [];
      if (!parent.children.includes(id)) parent.children.push(id);
      ids.push(id);
    }
    return ids;
  }

  /** A child's view of its parent (`ctx.flow.parent`). */
  private parentFlow(parentId: string): ParentFlow {
    const parent = () => this.jobs.get(parentId);
    const open = () => {
      const job = parent();
      return job !== undefined && !isFinished(job.view.status) && !job.cancelledBy;
    };
    return {
      id: parentId,
      job: async () => {
        const job = parent();
        return job ? { kind: job.view.kind, payload: structuredClone(job.view.payload) } : undefined;
      },
      note: async (name, value, read) => {
        const job = parent();
        if (!job || !open()) return undefined;
        job.notes ??= new Map();
        job.notes.set(name, structuredClone(value));
        const notes = new Map<string, unknown>();
        for (const n of read) if (job.notes.has(n)) notes.set(n, structuredClone(job.notes.get(n)));
        return { notes, count: job.notes.size };
      },
      noted: async (name) => structuredClone(parent()?.notes?.get(name)),
      addChildren: async (children) => {
        const job = parent();
        if (!job || !open()) return [];
        return this.addChildrenTo(job, children, open);
      },
      progress: (step, total, message) => {
        const job = parent();
        if (!job || !open()) return;
        Object.assign(job.view, { step, total });
        if (message !== undefined) job.view.message = message;
        this.publish(job.view, 'info', 'job.progress', message ?? `${step}/${total}`, { step, total });
      },
    };
  }

  /** A parent stepped aside: it waits for its children, a time or a resume, holding no consumer slot. */
  private suspend(job: MemoryJob, suspension: Suspension): void {
    const { view } = job;
    job.resuming = true;
    if (suspension.kind === 'children') {
      const pending = this.pendingChildren(job);
      if (pending === 0) {
        this.wake(job, 'children');
        return;
      }
      view.status = 'waiting';
      this.publish(view, 'info', 'job.waiting', `waiting for ${pending} of its children`, {
        kind: view.kind,
        pending,
      });
    } else if (suspension.until === 'manual') {
      job.sleeping = true;
      view.status = 'paused';
      this.publish(view, 'info', 'job.paused', 'paused until resumed', { kind: view.kind });
    } else {
      job.sleeping = true;
      view.status = 'delayed';
      const until = suspension.until;
      job.wakeTimer = setTimeout(() => this.wake(job, 'time'), Math.max(0, until - Date.now()));
      job.wakeTimer.unref?.();
      this.publish(view, 'info', 'job.sleeping', `sleeping until ${new Date(until).toISOString()}`, {
        kind: view.kind,
        until,
      });
    }
    this.deps.history?.save(view);
  }

  private wake(job: MemoryJob, why: 'children' | 'time' | 'resumed', by?: Requester): void {
    const { view } = job;
    this.clearTimers(job);
    job.sleeping = false;
    view.status = 'queued';
    this.waiting.push(view.id);
    const message =
      why === 'children'
        ? 'its children have ended'
        : why === 'time'
          ? 'woke up'
          : `resumed by ${describeRequester(by ?? this.deps.requester)}`;
    this.publish(view, 'info', 'job.resumed', message, { kind: view.kind, why, ...(by ? { by } : {}) });
    this.pump();
  }

  private pendingChildren(job: MemoryJob): number {
    let pending = 0;
    for (const id of job.children ?? []) {
      const child = this.jobs.get(id);
      if (child && !isFinished(child.view.status)) pending++;
    }
    return pending;
  }

  private clearTimers(job: MemoryJob): void {
    if (job.retryTimer) clearTimeout(job.retryTimer);
    if (job.wakeTimer) clearTimeout(job.wakeTimer);
    job.retryTimer = undefined;
    job.wakeTimer = undefined;
  }

  private finish(job: MemoryJob, outcome: ExecutionOutcome, cancelledBy = job.cancelledBy): void {
    const { view } = job;
    job.cancelledBy = undefined;
    const what = describeJob(view.kind, view.payload);
    const now = Date.now();
    view.runs = withRunEnded(view.runs, {
      outcome: outcome.kind,
      finishedAt: now,
      error:
        outcome.kind === 'failed'
          ? outcome.error
          : outcome.kind === 'cancelled'
            ? outcome.message
            : undefined,
    });
    switch (outcome.kind) {
      case 'completed':
        Object.assign(view, { status: 'completed', finishedAt: now, result: outcome.result });
        this.publish(view, 'info', 'job.completed', `completed ${what}`, {
          kind: view.kind,
          result: outcome.result,
          durationMs: now - (view.startedAt ?? now),
          attempt: view.attempts,
        });
        break;
      case 'failed': {
        const willRetry = !outcome.permanent && view.attempts < view.maxAttempts;
        view.error = outcome.error;
        if (outcome.result !== undefined) view.result = outcome.result;
        else delete view.result;
        this.publish(view, willRetry ? 'warn' : 'error', 'job.failed', `failed: ${outcome.error}`, {
          kind: view.kind,
          error: outcome.error,
          attempt: view.attempts,
          maxAttempts: view.maxAttempts,
          willRetry,
          ...(outcome.result !== undefined ? { result: outcome.result } : {}),
        });
        if (willRetry) {
          view.status = 'delayed';
          const delay = job.backoffMs * 2 ** (view.attempts - 1);
          job.retryTimer = setTimeout(() => {
            job.retryTimer = undefined;
            if (view.status !== 'delayed') return;
            view.status = 'queued';
            this.waiting.push(view.id);
            this.pump();
          }, delay);
          job.retryTimer.unref?.();
          return;
        }
        Object.assign(view, { status: 'failed', finishedAt: now });
        break;
      }
      case 'cancelled':
        Object.assign(view, { status: 'cancelled', finishedAt: now, error: outcome.message });
        this.publish(view, 'warn', 'job.cancelled', outcome.message, {
          kind: view.kind,
          ...(cancelledBy ? { by: cancelledBy } : {}),
        });
        break;
      case 'suspended':
        this.suspend(job, outcome.suspension);
        return;
      case 'released':
        // Handed back by a stopping consumer: the attempt does not count; first in line for the next one.
        Object.assign(view, { status: 'queued', attempts: Math.max(0, view.attempts - 1) });
        this.waiting.unshift(view.id);
        this.publish(view, 'info', 'job.released', `handed back by worker ${view.worker ?? '?'} (stopping)`, {
          kind: view.kind,
          worker: view.worker,
        });
        return;
    }
    this.deps.history?.save(view, job.logs);
    this.audit({
      who: view.requestedBy,
      action: 'job.finish',
      jobId: view.id,
      kind: view.kind,
      what,
      outcome: view.status as 'completed' | 'failed' | 'cancelled',
      ...(view.error ? { reason: view.error } : {}),
    });
    this.childEnded(view);
    this.forgetOldJobs();
  }

  /** The last child of a parent waiting for them to end wakes it. */
  private childEnded(view: JobView): void {
    const parent = view.parentId ? this.jobs.get(view.parentId) : undefined;
    if (parent?.view.status === 'waiting' && this.pendingChildren(parent) === 0)
      this.wake(parent, 'children');
  }

  private forgetOldJobs(): void {
    const keep = this.deps.keepFinished ?? 1000;
    // A child is kept while its parent runs: the parent reads its result when it wakes.
    const finished = [...this.jobs.values()].filter(
      (j) => isFinished(j.view.status) && !this.parentRuns(j.view),
    );
    if (finished.length <= keep + 50) return;
    finished.sort((a, b) => (a.view.finishedAt ?? 0) - (b.view.finishedAt ?? 0));
    for (const job of finished.slice(0, finished.length - keep)) this.jobs.delete(job.view.id);
  }

  private parentRuns(view: JobView): boolean {
    const parent = view.parentId ? this.jobs.get(view.parentId) : undefined;
    return parent !== undefined && !isFinished(parent.view.status);
  }

  private publish(
    view: JobView,
    level: 'info' | 'warn' | 'error',
    type: string,
    message: string,
    data: unknown,
  ): void {
    this.deps.events.publishNow({ level, type, jobId: view.id, source: view.requestedBy, message, data });
  }

  /**
   * Every job this process still holds ends with it (its commands are killed when the bus closes): each is
   * recorded as cancelled, in the audit and the history, instead of vanishing. Then the history is flushed.
   */
  async stop(reason = `stopped with the process that ran it (${hostname()}:${process.pid})`): Promise<void> {
    for (const job of this.jobs.values()) {
      if (isFinished(job.view.status) || job.logsOnDisk) continue;
      this.clearTimers(job);
      // Its consumer handed it back as it closed: that attempt was not handed to anyone, it ended here.
      const last = job.view.runs?.at(-1);
      if (last?.outcome === 'released') {
        Object.assign(last, { outcome: 'cancelled', error: reason });
        job.view.attempts++;
      }
      this.finish(job, { kind: 'cancelled', message: reason });
    }
    this.waiting.length = 0;
    await this.deps.history?.flush();
  }

  private async loadHistory(history: JobHistory): Promise<void> {
    try {
      for (const view of await history.load()) {
        if (this.jobs.has(view.id)) continue;
        const backoffMs = isJobKind(view.kind) ? policyFor(view.kind, this.deps.policies).backoffMs : 1000;
        this.jobs.set(view.id, { view, order: -1, backoffMs, logs: [], logsOnDisk: true });
      }
    } catch (error) {
      this.deps.events.publishNow({
        level: 'warn',
        type: 'job.history',
        source: this.deps.requester,
        message: `earlier jobs not shown: cannot read ${history.dir}: ${(error as Error).message}`,
      });
    }
  }

  /** Without a workspace: a random id, unique in this process (nothing else shares its jobs). */
  private freshId(): string {
    for (;;) {
      const id = newJobId();
      if (!this.jobs.has(id)) return id;
    }
  }

  /** The job a cancel or retry may act on; a refused request is audited and thrown. */
  private admit(action: 'job.cancel' | 'job.retry', id: string, by: Requester): MemoryJob {
    const job = this.jobs.get(id);
    const refused = refusal(action, id, by, job?.view);
    if (refused) {
      this.audit(refused.audit);
      throw refused.error;
    }
    return job as MemoryJob;
  }

  private audit(entry: NewAuditEntry): void {
    try {
      this.deps.audit.append(entry);
    } catch {
      // An unwritable audit file must not take the console down; the file path is in the error log.
    }
  }
}

/** A consumer of the memory queue: runs up to `concurrency` jobs at once in this process. */
class MemoryConsumer implements JobConsumer {
  readonly concurrency: number;
  private readonly active = new Map<
    string,
    { kind: string; startedAt: number; controller: AbortController }
  >();
  private readonly startedAt = Date.now();
  private done = 0;
  private failed = 0;
  private closing: Promise<void> | undefined;
  private idle: (() => void) | undefined;

  constructor(
    private readonly queue: MemoryJobQueue,
    readonly id: string,
    readonly handlers: SomeHandlers,
    readonly opts: ConsumeOptions,
  ) {
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  }

  hasRoom(): boolean {
    return this.closing === undefined && this.active.size < this.concurrency;
  }

  started(view: JobView, controller: AbortController): void {
    this.active.set(view.id, { kind: view.kind, startedAt: Date.now(), controller });
    this.opts.onJob?.({ jobId: view.id, kind: view.kind, phase: 'start' });
  }

  ended(jobId: string, outcome: ExecutionOutcome['kind']): void {
    const entry = this.active.get(jobId);
    this.active.delete(jobId);
    if (outcome === 'completed') this.done++;
    else if (outcome !== 'released' && outcome !== 'suspended') this.failed++;
    this.opts.onJob?.({ jobId, kind: entry?.kind ?? '?', phase: 'end', outcome });
    if (this.active.size === 0) this.idle?.();
  }

  presence(): WorkerPresence {
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastSeenAt: Date.now(),
      concurrency: this.concurrency,
      jobsDone: this.done,
      jobsFailed: this.failed,
      current: [...this.active.entries()].map(([id, a]) => ({ id, kind: a.kind, startedAt: a.startedAt })),
      transport: 'memory',
    };
  }

  close(opts: { graceMs?: number } = {}): Promise<void> {
    const graceMs = opts.graceMs ?? 10_000;
    if (this.closing) {
      if (graceMs === 0) this.releaseAll();
      return this.closing;
    }
    this.closing = this.shutdown(graceMs);
    return this.closing;
  }

  private releaseAll(): void {
    const reason: JobAbort = { kind: 'release', message: `worker ${this.id} is stopping` };
    for (const a of this.active.values()) a.controller.abort(reason);
  }

  private async shutdown(graceMs: number): Promise<void> {
    if (this.active.size > 0) {
      const allDone = new Promise<void>((resolve) => {
        this.idle = resolve;
      });
      const timer = setTimeout(() => this.releaseAll(), graceMs);
      await allDone;
      clearTimeout(timer);
    }
    this.queue.removeConsumer(this);
    this.queue.pump();
  }
}
