import type { Job, JobsOptions, JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NewAuditEntry } from '../../domain/audit';
import type { NewEvent } from '../../domain/event';
import {
  checkJobSpec,
  describeJob,
  isFinished,
  type JobFilter,
  type JobKind,
  type JobLogLine,
  type JobPolicy,
  type JobSpec,
  type JobStatus,
  type JobView,
  jobStatuses,
  type Requester,
  requesterSchema,
  type ScheduleTick,
} from '../../domain/job';
import { type RequestSignature, requestFacts, requestSignatureSchema } from '../../domain/signature';
import { roleRefusal } from '../access/roleRefusal';
import { type GateLookup, unapprovedReason } from '../approvals/approvalGate';
import {
  approvalFor,
  approvedRecords,
  checkReason,
  type Decision,
  decisionRefusal,
  heldRecords,
  unapprovedRetry,
} from '../approvals/approvalRequests';
import {
  approvalOf,
  type RedisApprovals,
  type StoredApproval,
  viewOfRecord,
} from '../approvals/redisApprovals';
import { signSpec } from '../identity/requestSigner';
import type { VerifiableJob } from '../identity/verifyRequest';
import { scheduleTickOf } from '../scheduler/scheduledJob';
import { BusError } from './busError';
import type { BusStateObservable, JobQueue } from './contracts';
import type { ClaimedJob, ExecutionOutcome } from './executeJob';
import { childJobId, jobIdForKey, policyFor } from './jobIds';
import { accepted, readOnlyRefusal, refusal } from './jobRequests';
import type { RedisAuditLog } from './redisAudit';
import type { DeckKeys, RedisEventBus } from './redisEvents';
import { listChildren } from './redisFlowScripts';
import { parseRuns, runsField } from './redisRuns';
import { describeRequester } from './requester';
import { isStallLimit, stallLimitError } from './stallLimit';

/**
 * What a BullMQ job carries (`job.name` is the kind). This is the wire format between infradeck versions:
 * add fields, never change their meaning; readers validate it.
 */
export interface JobData {
  v: 1;
  payload: unknown;
  requestedBy: Requester;
  timeoutMs?: number;
  idempotencyKey?: string;
  /** Set by a cancel (also kept in the `cancelled` hash): the next worker to take the job drops it. */
  cancel?: CancelMarker;
  /** A schedule's job: `{ name, tick }`, or (made by a job scheduler) the schedule's rules, the tick in the id. */
  schedule?: unknown;
  /** A child's key among its parent's children (the id may hold only a hash of it). */
  childKey?: string;
  /** The requester's signature of the spec (`services/identity`); the worker checks it before the handler. */
  signature?: RequestSignature;
}

/** Stored in the `cancelled` hash by whoever cancels. `final`: the job was not running, it is over already. */
export interface CancelMarker {
  by: Requester;
  at: number;
  message: string;
  final: boolean;
}

export const queueName = 'jobs';
export const keepFinished = { completed: 1000, failed: 5000, ageSeconds: 7 * 24 * 3600 };
export const keepLogLines = 1000;
/** Fields of a parent's BullMQ job hash: its saved state (JSON) and its children's ids (one a line, in order). */
export const flowStateField = 'deck:flow:state';
export const flowChildrenField = 'deck:flow:children';
/** A failed job's result (JSON), when its handler threw a `JobFailure`: BullMQ keeps none for a failed job. */
export const failedResultField = 'deck:failed:result';
/**
 * A field of a parent's job hash per child that ended: the child's last view (JSON). BullMQ trims the finished
 * sets by count for the whole queue, so another job's completion may remove a finished child while its parent
 * waits; the parent then still knows how it ended, and never adds it again.
 */
export const endedChildField = (childId: string) => `deck:flow:ended:${childId}`;

function endedView(raw: string | undefined): JobView | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as JobView;
  } catch {
    return undefined;
  }
}
/**
 * What a child that ended for good leaves on its parent (`endedChildField`): its view as `get` would read it while
 * it ran, made from the job BullMQ handed the worker and the attempts the worker kept (`runs`, the `deck:runs`
 * text), with how it ended. Undefined when it has not ended for good: no parent, suspended, handed back, or a failed
 * attempt that will be retried.
 */
export function endedChildView(
  job: Job,
  outcome: ExecutionOutcome,
  attempt: { attempt: number; maxAttempts: number },
  runs: string | null,
  now = Date.now(),
): JobView | undefined {
  if (!job.parentKey || outcome.kind === 'suspended' || outcome.kind === 'released') return undefined;
  if (outcome.kind === 'failed' && !outcome.permanent && attempt.attempt < attempt.maxAttempts)
    return undefined;
  const view = toView(job, 'active', undefined, runs);
  return outcome.kind === 'completed'
    ? { ...view, status: 'completed', finishedAt: now, result: outcome.result }
    : outcome.kind === 'failed'
      ? { ...view, status: 'failed', finishedAt: now, error: outcome.error, result: outcome.result }
      : { ...view, status: 'cancelled', finishedAt: now, error: outcome.message };
}

const requestTimeoutMs = 5000;

export interface RedisQueueDeps {
  queue: Queue;
  cmd: Redis;
  keys: DeckKeys;
  events: RedisEventBus;
  audit: RedisAuditLog;
  state: BusStateObservable;
  target: string;
  requester: Requester;
  policies?: Partial<Record<JobKind, Partial<JobPolicy>>>;
  /** Jobs held for an approval (outside BullMQ until approved); without it nothing waits. */
  approvals?: RedisApprovals;
}

/** Commands as BullMQ jobs. See `RedisConsumer` for the running side. */
export class RedisJobQueue implements JobQueue {
  constructor(private readonly deps: RedisQueueDeps) {}

  async enqueue(spec: JobSpec): Promise<string> {
    return this.add(spec);
  }

  /**
   * Queue children of a running parent (`ctx.flow.addChildren`): BullMQ children of the parent's job, each a
   * normal job with an id from the parent's and its key. A failed child ends its part in the parent's wait
   * (`ignoreDependencyOnFailure`) instead of failing or stranding the parent.
   */
  async addChildren(
    parent: { id: string; queue: string },
    children: { key: string; spec: JobSpec }[],
  ): Promise<string[]> {
    // At once, not one after another (a wave of 100 added in a row took 1–4.5 s on a busy worker,
    // bench/batch.bench.mjs), and what every add must know first is read for all of them in one round trip: which
    // ended already, which are in the queue, and the parent's list of children.
    const { queue, cmd } = this.deps;
    // Every spec is checked before any child is queued: a refused one leaves the wave as it was.
    const valid = await Promise.all(children.map(({ spec }) => this.accept(spec)));
    this.ensureUp('children not queued');
    const hash = queue.toKey(parent.id);
    const ids = children.map(({ key }) => childJobId(parent.id, key));
    const reads = cmd.pipeline().hget(hash, flowChildrenField);
    for (const id of ids) reads.hexists(hash, endedChildField(id)).exists(queue.toKey(id));
    const replies = (await reads.exec()) ?? [];
    const reply = (i: number): unknown => {
      const [error, value] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      return value;
    };
    const known = String(reply(0) ?? '')
      .split('\n')
      .filter(Boolean);
    const fresh: { jobId: string; key: string; valid: JobSpec }[] = [];
    const duplicates: Promise<unknown>[] = [];
    children.forEach(({ key }, i) => {
      const jobId = ids[i];
      const queued = reply(2 + 2 * i) === 1;
      // Ended and trimmed from the queue since: it is that child still, never a second run.
      if (reply(1 + 2 * i) === 1 && !queued) return;
      if (!queued) fresh.push({ jobId, key, valid: valid[i] });
      else duplicates.push(this.deps.audit.append(this.prepare(valid[i]).audit(jobId, 'deduplicated')));
    });
    await Promise.all([...duplicates, this.addNewChildren(parent, fresh)]);
    // The parent and its running children may add children at once: appended in one step, none lost.
    if (ids.some((id) => !known.includes(id))) await listChildren(cmd, hash, flowChildrenField, ids);
    return ids;
  }

  /**
   * A parent's children, in the order they were added. `parentFields`: the parent's hash as its worker read it when
   * it took the job (then it is not read again).
   */
  async childrenOf(parentId: string, parentFields?: Record<string, string>): Promise<JobView[]> {
    // One read of the parent's hash gives its children and the last view of each that ended (`endedChildField`):
    // only those still running are read one by one, so a parent's wake after its tenth wave of 100 costs ~100
    // reads, not 1,000.
    const fields = parentFields ?? (await this.deps.cmd.hgetall(this.deps.queue.toKey(parentId)));
    const ids = (fields[flowChildrenField] ?? '').split('\n').filter(Boolean);
    const views = await Promise.all(
      ids.map(async (id) => endedView(fields[endedChildField(id)]) ?? (await this.load(id))?.view),
    );
    return views.flatMap((view) => (view ? [view] : []));
  }

  async resume(id: string, by: Requester = this.deps.requester): Promise<void> {
    this.ensureUp('job not resumed');
    const { cmd, keys } = this.deps;
    const found = await this.load(id);
    const asleep = found ? await cmd.hget(keys.sleeping, id) : null;
    const refused =
      refusal('job.resume', id, by, found?.view) ??
      (found && !asleep
        ? refusal('job.resume', id, by, { ...found.view, status: 'queued' }) // a retry's backoff, not a sleep
        : undefined);
    if (refused) {
      await this.audit(refused.audit);
      throw refused.error;
    }
    const { job, view } = found!;
    await cmd.hdel(keys.sleeping, id);
    // Woken by its time in between: it runs already, which is what was asked.
    await job.promote().catch(() => {});
    await this.publish(
      {
        level: 'info',
        type: 'job.resumed',
        jobId: id,
        source: by,
        message: `resumed by ${describeRequester(by)}`,
        data: { kind: view.kind, why: 'resumed', by },
      },
      accepted('job.resume', id, by, view),
    );
  }

  private async add(spec: JobSpec): Promise<string> {
    // A person's request is signed here, when this process has a signing key (children are their parent's work).
    const valid = await signSpec(await this.accept(spec));
    this.ensureUp('job not queued');
    const job = this.prepare(valid);
    const approval = approvalFor(this.deps.approvals?.policy, valid, Date.now());
    if (approval)
      return this.withTimeout('holding the job for an approval', () => this.hold(valid, job, approval));
    const { queue } = this.deps;
    return this.withTimeout(
      'queueing the job (it may or may not be queued: check `infradeck jobs`)',
      async () => {
        if (job.id && (await this.deps.cmd.exists(queue.toKey(job.id))) === 1) {
          await this.deps.audit.append(job.audit(job.id, 'deduplicated'));
          return job.id;
        }
        const added = await queue.add(job.name, job.data, job.opts);
        const id = added.id!;
        await this.publish(job.queued(id), job.audit(id, 'accepted'));
        return id;
      },
    );
  }

  /** A job that waits for an approval: kept outside BullMQ (see `RedisApprovals`), announced and audited. */
  private async hold(
    valid: JobSpec,
    job: ReturnType<RedisJobQueue['prepare']>,
    approval: NonNullable<ReturnType<typeof approvalFor>>,
  ): Promise<string> {
    const approvals = this.deps.approvals!;
    const id = job.id ?? (await approvals.newId());
    const exists = job.id !== undefined && (await this.deps.cmd.exists(this.deps.queue.toKey(id))) === 1;
    const record: StoredApproval = {
      v: 1,
      id,
      kind: valid.kind,
      spec: valid as StoredApproval['spec'],
      maxAttempts: job.opts.attempts ?? 1,
      ...approval,
    };
    if (exists || !(await approvals.create(record))) {
      await this.deps.audit.append(job.audit(id, 'deduplicated'));
      return id;
    }
    const held = heldRecords(viewOfRecord(record), approval);
    await this.publish(held.event, held.audit);
    return id;
  }

  async approve(id: string, by: Requester = this.deps.requester): Promise<void> {
    this.ensureUp('job not approved');
    const approvals = this.deps.approvals;
    const record = await this.decide('job.approve', id, by);
    const next: StoredApproval = { ...record, state: 'approved', decidedBy: by, decidedAt: Date.now() };
    // Decided or expired meanwhile: refused with what happened.
    if ((await approvals!.transition(record, 'pending', next, true)) !== 'ok')
      await this.decide('job.approve', id, by);
    // Announced before it is queued: a worker's `job.started` never comes before the approval.
    const approved = approvedRecords(viewOfRecord(record), by);
    await this.publish(approved.event, approved.audit);
    await approvals!.enqueueApproved(next);
  }

  async reject(id: string, by: Requester = this.deps.requester, reason = ''): Promise<void> {
    this.ensureUp('job not rejected');
    const text = checkReason(reason);
    const record = await this.decide('job.reject', id, by);
    if (!(await this.deps.approvals!.end(record, by, text))) await this.decide('job.reject', id, by);
  }

  /** The pending record a decision may act on; a refused decision is audited and thrown. */
  private async decide(action: Decision, id: string, by: Requester): Promise<StoredApproval> {
    const approvals = this.deps.approvals;
    const record = await approvals?.current(id);
    const view = record ? viewOfRecord(record) : await this.get(id);
    const refused = decisionRefusal(action, id, by, view, approvals?.policy, Date.now());
    if (!refused && record) return record;
    const error = refused ?? {
      error: new BusError('refused', `refused: job ${id} changed while it was decided; look again`),
      audit: {
        who: by,
        action,
        jobId: id,
        what: `job ${id}`,
        outcome: 'rejected',
        reason: 'changed meanwhile',
      },
    };
    await this.audit(error.audit);
    throw error.error;
  }

  /** An approved job into BullMQ under the id it was held as (adding the same id again adds nothing). */
  async enqueueApproved(record: StoredApproval): Promise<void> {
    const job = this.prepare(record.spec);
    // Queued as of when it was asked: the worker holds a signed request's time against it (`verifyRequest`).
    await this.deps.queue.add(job.name, job.data, {
      ...job.opts,
      jobId: record.id,
      timestamp: record.requestedAt,
    });
  }

  /** An approval policy is checked by `unapproved` (the roles then let an approved change of a protected project run). */
  get approvalsEnforced(): boolean {
    return this.deps.approvals?.policy !== undefined;
  }

  /** Why the worker must not run this job (it needs an approval it lacks), or undefined. */
  unapproved(job: ClaimedJob, parentId?: string): Promise<string | undefined> {
    return unapprovedReason(this.deps.approvals?.policy, { ...job, parentId }, this.gateLookup);
  }

  /** A stored job's request, for the signature check of its children (`verifyRequest`). */
  async requestOf(id: string): Promise<VerifiableJob | undefined> {
    const job = (await this.deps.queue.getJob(id)) as Job | undefined;
    if (!job) return undefined;
    const data = readJobData(job);
    return {
      id,
      kind: job.name,
      payload: data.payload,
      requestedBy: data.requestedBy,
      request: requestFacts({ ...data, createdAt: job.timestamp, parentId: job.parent?.id }),
    };
  }

  private readonly gateLookup: GateLookup = {
    approval: async (id) => {
      const record = await this.deps.approvals?.read(id);
      return record ? { state: record.state, kind: record.kind, payload: record.spec.payload } : undefined;
    },
    job: async (id) => {
      const stored = await this.requestOf(id);
      return stored && { ...stored, parentId: stored.request?.parentId };
    },
  };

  /**
   * Queue a parent's new children (none of them in the queue: `addChildren` read that) in one write, and their
   * `job.queued` events with their audit entries in one more: a wave of 100 is two round trips, not 200.
   */
  private async addNewChildren(
    parent: { id: string; queue: string },
    children: { jobId: string; key: string; valid: JobSpec }[],
  ): Promise<void> {
    if (children.length === 0) return;
    const jobs = children.map(({ jobId, key, valid }) => this.prepare(valid, { jobId, parent, key }));
    await this.withTimeout('queueing the children (check `infradeck jobs`)', async () => {
      const added = await this.deps.queue.addBulk(jobs.map(({ name, data, opts }) => ({ name, data, opts })));
      await this.deps.events.publishAll(
        added.map((job, i) => ({
          event: jobs[i].queued(job.id!),
          audit: jobs[i].audit(job.id!, 'accepted'),
        })),
      );
    });
  }

  /** The spec checked and allowed on this bus; a refused one is audited and thrown. */
  private async accept(spec: JobSpec): Promise<JobSpec> {
    const check = checkJobSpec(spec);
    const raw = spec as Partial<JobSpec> | undefined;
    if (!check.ok) {
      await this.auditQuietly({
        who: requesterSchema.safeParse(raw?.requestedBy).data ?? this.deps.requester,
        action: 'job.enqueue',
        kind: typeof raw?.kind === 'string' ? raw.kind : undefined,
        what: describeJob(String(raw?.kind), raw?.payload),
        outcome: 'rejected',
        reason: check.error,
      });
      throw new BusError('invalid', `job refused: ${check.error}`);
    }
    const readOnly = readOnlyRefusal(check.spec) ?? roleRefusal(check.spec, this.deps.approvals?.policy);
    if (readOnly) {
      await this.auditQuietly(readOnly.audit);
      throw readOnly.error;
    }
    return check.spec;
  }

  /** A valid spec as a BullMQ job (name, data, options), with its `job.queued` event and audit entries. */
  private prepare(
    valid: JobSpec,
    child?: { jobId: string; parent: { id: string; queue: string }; key: string },
  ) {
    const what = describeJob(valid.kind, valid.payload);
    const policy = policyFor(valid.kind, this.deps.policies);
    const id = child?.jobId ?? (valid.idempotencyKey ? jobIdForKey(valid.idempotencyKey) : undefined);
    const timeoutMs = valid.timeoutMs ?? (policy.timeoutMs || undefined);
    const data: JobData = {
      v: 1,
      payload: valid.payload,
      requestedBy: valid.requestedBy,
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(valid.idempotencyKey ? { idempotencyKey: valid.idempotencyKey } : {}),
      ...(valid.schedule ? { schedule: valid.schedule } : {}),
      ...(child ? { childKey: child.key } : {}),
      ...(valid.signature ? { signature: valid.signature } : {}),
    };
    const maxAttempts = valid.attempts ?? policy.attempts;
    const opts: JobsOptions = {
      ...(id ? { jobId: id } : {}),
      attempts: maxAttempts,
      backoff: { type: 'exponential', delay: policy.backoffMs },
      // A child is kept by age only: a batch of 5,000 targets must still read every result when it wakes.
      removeOnComplete: child
        ? { age: keepFinished.ageSeconds }
        : { count: keepFinished.completed, age: keepFinished.ageSeconds },
      removeOnFail: child
        ? { age: keepFinished.ageSeconds }
        : { count: keepFinished.failed, age: keepFinished.ageSeconds },
      keepLogs: keepLogLines,
      ...(child ? { parent: child.parent, ignoreDependencyOnFailure: true } : {}),
    };
    return {
      id,
      name: valid.kind,
      data,
      opts,
      queued: (jobId: string): NewEvent => ({
        level: 'info',
        type: 'job.queued',
        jobId,
        source: valid.requestedBy,
        message: `queued ${what}`,
        data: {
          kind: valid.kind,
          summary: what,
          maxAttempts,
          ...(child ? { parentId: child.parent.id, childKey: child.key } : {}),
        },
      }),
      audit: (jobId: string, outcome: 'accepted' | 'deduplicated'): NewAuditEntry => ({
        who: valid.requestedBy,
        action: 'job.enqueue',
        jobId,
        kind: valid.kind,
        what,
        outcome,
      }),
    };
  }

  async cancel(id: string, by: Requester = this.deps.requester): Promise<void> {
    this.ensureUp('job not cancelled');
    if (await this.cancelHeld(id, by)) return;
    const { cmd, keys } = this.deps;
    const { job, view } = await this.admit('job.cancel', id, by);
    const message = `cancelled by ${describeRequester(by)}`;
    const running = view.status === 'active';
    const marker: CancelMarker = { by, at: Date.now(), message, final: !running };
    await cmd.hset(keys.cancelled, id, JSON.stringify(marker));
    // In the job's data too: a worker that takes it next sees it with the job, without asking Redis again.
    await job.updateData({ ...(job.data as JobData), cancel: marker }).catch(() => {});
    // Whoever runs it aborts at once; a worker that misses the message finds the marker within a second.
    await cmd.publish(keys.control, JSON.stringify({ type: 'cancel', jobId: id, message }));
    await this.audit(accepted('job.cancel', id, by, view));
    if (!running) {
      await this.finishCancel(job, view, by, message);
    }
    // After the parent's marker: children ending now do not make it run again.
    for (const child of await this.childrenOf(id)) {
      if (!isFinished(child.status)) await this.cancel(child.id, by).catch(() => {}); // it just ended: fine
    }
  }

  /** A job held for an approval is withdrawn here (it is not in BullMQ); true when `id` was such a job. */
  private async cancelHeld(id: string, by: Requester): Promise<boolean> {
    const record = await this.deps.approvals?.current(id);
    if (!record || record.state === 'approved') return false;
    const view = viewOfRecord(record);
    const refused = refusal('job.cancel', id, by, view);
    if (refused) {
      await this.audit(refused.audit);
      throw refused.error;
    }
    const message = `cancelled by ${describeRequester(by)}`;
    const what = describeJob(view.kind, view.payload);
    const withdrawn = await this.deps.approvals!.cancel(record, by, {
      event: {
        level: 'warn',
        type: 'job.cancelled',
        jobId: id,
        source: by,
        message,
        data: { kind: view.kind, by },
      },
      audit: [
        accepted('job.cancel', id, by, view),
        {
          who: view.requestedBy,
          action: 'job.finish',
          jobId: id,
          kind: view.kind,
          what,
          outcome: 'cancelled',
          reason: message,
        },
      ],
    });
    // Decided in between: cancel what it is now (a queued job, or refused as ended).
    return withdrawn || this.cancelHeld(id, by);
  }

  private async finishCancel(job: Job, view: JobView, by: Requester, message: string): Promise<void> {
    const id = view.id;
    const what = describeJob(view.kind, view.payload);
    // Not running: it is over now. It stays in BullMQ's wait list until a worker takes it and drops it at once
    // (the marker says so); a delayed one is promoted so that happens soon. A parent waiting for its children is
    // dropped when they have ended (its own cancel cancels them).
    await this.deps.cmd.hdel(this.deps.keys.sleeping, id);
    if (view.status === 'delayed' || view.status === 'paused') await job.promote().catch(() => {});
    await this.publish(
      { level: 'warn', type: 'job.cancelled', jobId: id, source: by, message, data: { kind: view.kind, by } },
      {
        who: view.requestedBy,
        action: 'job.finish',
        jobId: id,
        kind: view.kind,
        what,
        outcome: 'cancelled',
        reason: message,
      },
    );
  }

  async retry(id: string, by: Requester = this.deps.requester): Promise<void> {
    this.ensureUp('job not retried');
    const held = await this.deps.approvals?.current(id);
    const unapproved = held && unapprovedRetry(id, viewOfRecord(held));
    if (held && unapproved) {
      await this.audit({
        ...accepted('job.retry', id, by, viewOfRecord(held)),
        outcome: 'rejected',
        reason: unapproved,
      });
      throw new BusError('conflict', unapproved);
    }
    const { cmd, keys } = this.deps;
    const { job, view, state } = await this.admit('job.retry', id, by);
    await cmd.hdel(keys.cancelled, id);
    // A child run again: its parent reads the live job, not how it ended before.
    if (job.parentKey) await cmd.hdel(job.parentKey, endedChildField(id));
    const { cancel: _dropped, ...data } = job.data as JobData;
    await job.updateData(data as JobData);
    if (state === 'failed') {
      // Its takes keep counting (`attemptsStarted`): a worker reads what a job saved only from its second take on.
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: false });
    }
    // else: cancelled while waiting, still in the wait list: removing the marker is all it takes.
    await this.publish({
      level: 'info',
      type: 'job.retried',
      jobId: id,
      source: by,
      message: `retry requested by ${describeRequester(by)}`,
      data: { kind: view.kind, by },
    });
    await this.audit(accepted('job.retry', id, by, view));
  }

  async list(filter: JobFilter = {}): Promise<JobView[]> {
    this.ensureUp('cannot list jobs');
    const limit = filter.limit ?? 200;
    const wanted = filter.status === undefined ? undefined : new Set([filter.status].flat());
    const types = new Set<JobType>();
    for (const status of wanted ?? jobStatuses) for (const t of bullTypesFor(status)) types.add(t);
    const markers = await this.markers();
    const sleeping = await this.deps.cmd.hgetall(this.deps.keys.sleeping);
    const views: JobView[] = [];
    await this.withTimeout('listing jobs', async () => {
      const byType = await Promise.all(
        [...types].map(
          async (type) =>
            [type, (await this.deps.queue.getJobs([type], 0, limit - 1, false)) as Job[]] as const,
        ),
      );
      const found: Array<{ job: Job; type: JobType }> = [];
      for (const [type, jobs] of byType) for (const job of jobs) if (job?.id) found.push({ job, type });
      // Every job's attempts in one round trip.
      const runs = found.length
        ? ((await this.deps.cmd
            .pipeline(
              found.map(({ job }) => ['hmget', this.deps.queue.toKey(job.id!), runsField, failedResultField]),
            )
            .exec()) ?? [])
        : [];
      for (const [i, { job, type }] of found.entries()) {
        const [jobRuns, failedResult] = (runs[i]?.[1] as (string | null)[] | undefined) ?? [];
        const view = toView(job, type, markers.get(job.id!), jobRuns, sleeping[job.id!], failedResult);
        if (wanted && !wanted.has(view.status)) continue;
        if (filter.kind && view.kind !== filter.kind) continue;
        views.push(view);
      }
    });
    for (const record of (await this.deps.approvals?.sweep()) ?? []) {
      const found = views.find((v) => v.id === record.id);
      if (found) found.approval = approvalOf(record);
      else if (record.state !== 'approved') {
        const view = viewOfRecord(record);
        if ((!wanted || wanted.has(view.status)) && (!filter.kind || view.kind === filter.kind))
          views.push(view);
      }
    }
    const seen = new Set<string>();
    return views
      .sort((a, b) => b.createdAt - a.createdAt)
      .filter((v) => !seen.has(v.id) && seen.add(v.id))
      .slice(0, limit);
  }

  async get(id: string): Promise<JobView | undefined> {
    this.ensureUp('cannot read the job');
    const [found, record] = await Promise.all([this.load(id), this.deps.approvals?.current(id)]);
    if (found && record) return { ...found.view, approval: approvalOf(record) };
    return found?.view ?? (record && record.state !== 'approved' ? viewOfRecord(record) : undefined);
  }

  async counts(): Promise<Record<JobStatus, number>> {
    this.ensureUp('cannot count jobs');
    const { queue, cmd, keys } = this.deps;
    const raw = await queue.getJobCounts(
      'waiting',
      'prioritized',
      'waiting-children',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    const counts: Record<JobStatus, number> = {
      queued: (raw.waiting ?? 0) + (raw.prioritized ?? 0),
      active: raw.active ?? 0,
      waiting: raw['waiting-children'] ?? 0,
      paused: 0,
      delayed: raw.delayed ?? 0,
      completed: raw.completed ?? 0,
      failed: raw.failed ?? 0,
      cancelled: 0,
      approval_pending: 0,
      rejected: 0,
    };
    for (const record of (await this.deps.approvals?.sweep()) ?? []) {
      if (record.state !== 'approved') counts[viewOfRecord(record).status]++;
    }
    const sleeping = await cmd.hgetall(keys.sleeping);
    const paused = Object.keys(sleeping).filter((id) => sleeping[id] === 'manual');
    const pausedStates = await Promise.all(paused.map((id) => queue.getJobState(id)));
    for (const [i, id] of paused.entries()) {
      if (pausedStates[i] === 'unknown') await cmd.hdel(keys.sleeping, id); // removed by retention
      if (pausedStates[i] !== 'delayed') continue;
      counts.delayed--;
      counts.paused++;
    }
    const ids = [...(await this.markers()).keys()];
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    for (const [i, id] of ids.entries()) {
      const state = states[i];
      const status = state === 'unknown' ? undefined : statusOf(state, undefined, sleeping[id]);
      if (!status) {
        await cmd.hdel(keys.cancelled, id); // the job is gone (retention): the marker goes too
        continue;
      }
      if (status === 'active' || status === 'completed') continue;
      counts[status]--;
      counts.cancelled++;
    }
    return counts;
  }

  async logs(id: string, opts: { tail?: number } = {}): Promise<JobLogLine[]> {
    this.ensureUp('cannot read the job log');
    const tail = Math.min(opts.tail ?? keepLogLines, keepLogLines);
    if (tail <= 0) return [];
    const { logs } = await this.deps.queue.getJobLogs(id, -tail, -1, true);
    return logs.map(parseLogLine).filter((l): l is JobLogLine => l !== undefined);
  }

  private async load(id: string): Promise<{ job: Job; view: JobView; state: string } | undefined> {
    const { queue, cmd, keys } = this.deps;
    return this.withTimeout('reading the job', async () => {
      // The job hash and its state are two reads: read the state on both sides of the hash and retry if the
      // job moved in between, so a view never mixes two moments (e.g. "completed" with the attempts of "active").
      for (let tries = 0; ; tries++) {
        const before = await queue.getJobState(id);
        const job = (await queue.getJob(id)) as Job | undefined;
        if (!job) return undefined;
        const [state, marker, [runs, failedResult], asleep] = await Promise.all([
          job.getState(),
          cmd.hget(keys.cancelled, id),
          cmd.hmget(queue.toKey(id), runsField, failedResultField),
          cmd.hget(keys.sleeping, id),
        ]);
        if (state !== before && tries < 5) continue;
        return {
          job,
          state,
          view: toView(job, state, parseMarker(marker), runs, asleep, failedResult),
        };
      }
    });
  }

  private async markers(): Promise<Map<string, CancelMarker>> {
    const all = await this.deps.cmd.hgetall(this.deps.keys.cancelled);
    const out = new Map<string, CancelMarker>();
    for (const [id, json] of Object.entries(all)) {
      const marker = parseMarker(json);
      if (marker) out.set(id, marker);
    }
    return out;
  }

  private ensureUp(what: string): void {
    const status = this.deps.state.get();
    if (status.state !== 'connected') {
      const why = status.detail ? ` (${status.detail})` : '';
      throw new BusError('unavailable', `${what}: Redis at ${this.deps.target} is ${status.state}${why}`);
    }
  }

  private async withTimeout<T>(what: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BusError(
              'unavailable',
              `Redis at ${this.deps.target} did not answer within 5 s while ${what}`,
            ),
          ),
        requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([run(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An event, and with it (in the same step) the audit entry it goes with. */
  private async publish(event: NewEvent, audit?: NewAuditEntry): Promise<void> {
    await this.deps.events.publish(event, audit);
  }

  /** The job a cancel or retry may act on; a refused request is audited and thrown. */
  private async admit(action: 'job.cancel' | 'job.retry', id: string, by: Requester) {
    const found = await this.load(id);
    const refused = refusal(action, id, by, found?.view);
    if (refused) {
      await this.audit(refused.audit);
      throw refused.error;
    }
    return found as NonNullable<typeof found>;
  }

  private async audit(entry: NewAuditEntry): Promise<void> {
    await this.deps.audit.append(entry);
  }

  private async auditQuietly(entry: NewAuditEntry): Promise<void> {
    if (this.deps.state.get().state !== 'connected') return;
    await this.deps.audit.append(entry).catch(() => {});
  }
}

function bullTypesFor(status: JobStatus): JobType[] {
  switch (status) {
    case 'queued':
      return ['waiting', 'prioritized'];
    case 'active':
      return ['active'];
    case 'waiting':
      return ['waiting-children'];
    case 'paused':
    case 'delayed':
      return ['delayed'];
    case 'completed':
      return ['completed'];
    case 'failed':
      return ['failed'];
    case 'cancelled':
      // cancelled jobs end in BullMQ's failed set, or wait in the queue until a worker drops them
      return ['failed', 'waiting', 'prioritized', 'delayed', 'waiting-children'];
    case 'approval_pending':
    case 'rejected':
      return []; // held outside BullMQ (`RedisApprovals`)
  }
}

/** `asleep`: the job's entry in the `sleeping` hash (`manual` for a paused parent). */
export function statusOf(state: string, marker: CancelMarker | undefined, asleep?: string | null): JobStatus {
  switch (state) {
    case 'active':
      // A job cancelled while it was not running (`final`) can still be taken once: BullMQ moves a cancelled
      // parent to the wait list when its children end, and the worker that takes it drops it. It stays cancelled.
      return marker?.final ? 'cancelled' : 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return marker ? 'cancelled' : 'failed';
    case 'delayed':
      return marker ? 'cancelled' : asleep === 'manual' ? 'paused' : 'delayed';
    case 'waiting-children':
      return marker ? 'cancelled' : 'waiting';
    default:
      return marker ? 'cancelled' : 'queued';
  }
}

export function parseMarker(json: string | null | undefined): CancelMarker | undefined {
  if (!json) return undefined;
  try {
    const m = JSON.parse(json) as CancelMarker;
    return typeof m.message === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export function readJobData(job: Job): {
  payload: unknown;
  requestedBy: Requester;
  timeoutMs?: number;
  idempotencyKey?: string;
  schedule?: ScheduleTick;
  childKey?: string;
  signature?: unknown;
} {
  const data = (job.data ?? {}) as Partial<JobData>;
  const who = requesterSchema.safeParse(data.requestedBy);
  return {
    payload: data.payload,
    requestedBy: who.success ? who.data : { user: 'unknown', host: 'unknown' },
    ...(typeof data.timeoutMs === 'number' && data.timeoutMs > 0 ? { timeoutMs: data.timeoutMs } : {}),
    ...(typeof data.idempotencyKey === 'string' ? { idempotencyKey: data.idempotencyKey } : {}),
    ...(data.schedule ? { schedule: scheduleTickOf(job.id, data.schedule) } : {}),
    ...(typeof data.childKey === 'string' ? { childKey: data.childKey } : {}),
    ...(data.signature !== undefined ? { signature: data.signature } : {}),
  };
}

function toView(
  job: Job,
  state: string,
  marker: CancelMarker | undefined,
  runs?: string | null,
  asleep?: string | null,
  failedResult?: string | null,
): JobView {
  const data = readJobData(job);
  const status = statusOf(state, marker, asleep);
  const suspended = state === 'waiting-children' || (state === 'delayed' && Boolean(asleep));
  const progress = (typeof job.progress === 'object' && job.progress !== null ? job.progress : {}) as {
    step?: unknown;
    total?: unknown;
    message?: unknown;
  };
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled';
  const view: JobView = {
    id: job.id!,
    kind: job.name,
    status,
    step: typeof progress.step === 'number' ? progress.step : 0,
    total: typeof progress.total === 'number' ? progress.total : 0,
    // attemptsMade counts finished attempts (not stalls, not hand-backs); add the one running now, or that a
    // parent goes on with once it wakes
    attempts: (job.attemptsMade ?? 0) + (state === 'active' || suspended ? 1 : 0),
    maxAttempts: job.opts?.attempts ?? 1,
    requestedBy: data.requestedBy,
    createdAt: job.timestamp,
    payload: data.payload,
  };
  if (typeof progress.message === 'string') view.message = progress.message;
  if (job.processedOn) view.startedAt = job.processedOn;
  if (finished) view.finishedAt = job.finishedOn ?? marker?.at;
  if (status === 'completed') view.result = job.returnvalue;
  else if (status === 'failed' && failedResult) view.result = parseJson(failedResult);
  if (status === 'cancelled') view.error = marker?.message;
  else if (status === 'failed' || (status === 'delayed' && job.failedReason)) view.error = job.failedReason;
  if (data.idempotencyKey) view.idempotencyKey = data.idempotencyKey;
  if (data.timeoutMs) view.timeoutMs = data.timeoutMs;
  if (job.processedBy) view.worker = job.processedBy;
  if (data.schedule) view.schedule = data.schedule;
  if (job.parent?.id) view.parentId = job.parent.id;
  if (data.childKey) view.childKey = data.childKey;
  const signature = requestSignatureSchema.safeParse(data.signature);
  if (signature.success) view.signature = signature.data;
  if (runs) view.runs = parseRuns(runs, view);
  if (status === 'failed' && isStallLimit(job.failedReason)) {
    // Failed by BullMQ as the next worker took it, without running it: its last run lost its worker, and the job's
    // start is that run's, not the take that failed it a moment later.
    view.runs = parseRuns(runs, { status: 'queued' });
    view.error = stallLimitError(view.runs);
    const last = view.runs.at(-1);
    if (last) view.startedAt = last.startedAt;
    if (last?.worker) view.worker = last.worker;
  }
  return view;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // written by something else
  }
}

function parseLogLine(row: string): JobLogLine | undefined {
  try {
    const line = JSON.parse(row) as JobLogLine;
    return typeof line.text === 'string' ? line : undefined;
  } catch {
    return { attempt: 0, seq: 0, stream: 'info', text: row, at: 0 };
  }
}
