import type { Redis } from 'ioredis';
import type { ApprovalPolicy, ApprovalState, JobApproval } from '../../domain/approval';
import { approvalStates } from '../../domain/approval';
import type { NewAuditEntry } from '../../domain/audit';
import type { NewEvent } from '../../domain/event';
import type { JobStatus, JobView, Requester, ValidJobSpec } from '../../domain/job';
import { describeRequester } from '../bus/requester';
import { expiredReason, rejectedRecords, rejectionError } from './approvalRequests';

/**
 * A job held for an approval, as Redis keeps it: OUTSIDE BullMQ, in one hash (`<prefix>:deck:approvals`, job id ->
 * this as JSON). No worker can take what is not in BullMQ's lists, whatever it does (a delayed job "far in the
 * future" is promoted by a cancel, a `promote`, a clock jump or another version's cleanup). The BullMQ job is added,
 * under the same id, only once the record says `approved`; a worker finds the record and checks it before it runs.
 */
export interface StoredApproval extends JobApproval {
  v: 1;
  id: string;
  kind: string;
  /** The job as it is queued on approval (payload parsed, defaults applied). */
  spec: ValidJobSpec;
  maxAttempts: number;
  /** Approved and added to BullMQ (an approval whose add was lost is added again by the next sweep). */
  queuedAt?: number;
}

export function approvalKeys(prefix: string): { records: string; seq: string } {
  return { records: `${prefix}:deck:approvals`, seq: `${prefix}:deck:approvals:seq` };
}

/**
 * Compare-and-set of one record's state, so that of two admins deciding at once, or a decision racing the expiry,
 * exactly one wins (and only the winner publishes and audits). ARGV: id, the state expected, the new JSON, and
 * (for a decision) now: a record past its expiry is not decided any more.
 */
const transitionLua = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 'missing' end
local ok, rec = pcall(cjson.decode, raw)
if not ok then return 'unreadable' end
if rec.state ~= ARGV[2] then return tostring(rec.state) end
if ARGV[4] ~= '' and tonumber(rec.expiresAt) <= tonumber(ARGV[4]) then return 'expired' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 'ok'
`;

/** Rejected and cancelled records are kept this long, like BullMQ's finished jobs. */
const keepDecidedMs = 7 * 24 * 3600_000;
/** An approval not in BullMQ after this long was lost on the way (its process died): the sweep adds it. */
const requeueAfterMs = 30_000;

export interface RedisApprovalsDeps {
  cmd: Redis;
  prefix: string;
  policy: ApprovalPolicy;
  /** Who this process acts for: the expiry of a job it notices is recorded in its name. */
  requester: Requester;
  publish(event: NewEvent, audit?: NewAuditEntry): Promise<unknown>;
  audit(entry: NewAuditEntry): Promise<unknown>;
  /** Add an approved job to BullMQ under its id (a second add of the same id adds nothing). */
  enqueue(record: StoredApproval): Promise<void>;
  /** Whether BullMQ still holds the job (retention may have removed it). */
  exists(id: string): Promise<boolean>;
}

export class RedisApprovals {
  private readonly keys: { records: string; seq: string };

  constructor(private readonly deps: RedisApprovalsDeps) {
    this.keys = approvalKeys(deps.prefix);
  }

  get policy(): ApprovalPolicy {
    return this.deps.policy;
  }

  /** A fresh id for a held job: `ap-7`. BullMQ refuses ids that are plain integers, and its own counter is its. */
  async newId(): Promise<string> {
    return `ap-${await this.deps.cmd.incr(this.keys.seq)}`;
  }

  /** Stores a new record; false when one with this id exists (the same idempotency key asked again). */
  async create(record: StoredApproval): Promise<boolean> {
    return (await this.deps.cmd.hsetnx(this.keys.records, record.id, JSON.stringify(record))) === 1;
  }

  async read(id: string): Promise<StoredApproval | undefined> {
    return parseRecord(await this.deps.cmd.hget(this.keys.records, id));
  }

  /** The record, after ending it if it expired (so a caller never decides on an expired job). */
  async current(id: string): Promise<StoredApproval | undefined> {
    const record = await this.read(id);
    if (record?.state === 'pending' && Date.now() >= record.expiresAt) {
      await this.expire(record);
      return this.read(id);
    }
    return record;
  }

  /** `ok`, or the state the record was found in (`missing`, `approved`, `expired` …): someone else was first. */
  async transition(
    record: StoredApproval,
    from: ApprovalState,
    next: StoredApproval,
    beforeExpiry: boolean,
  ): Promise<string> {
    return String(
      await this.deps.cmd.eval(
        transitionLua,
        1,
        this.keys.records,
        record.id,
        from,
        JSON.stringify(next),
        beforeExpiry ? String(Date.now()) : '',
      ),
    );
  }

  /** After an approval: into BullMQ, then marked as queued. */
  async enqueueApproved(record: StoredApproval): Promise<void> {
    await this.deps.enqueue(record);
    await this.transition(record, 'approved', { ...record, queuedAt: Date.now() }, false);
  }

  /** End a pending job unapproved (an admin's rejection, or its expiry); false when another decision was first. */
  async end(record: StoredApproval, by: Requester, reason: string): Promise<boolean> {
    const now = Date.now();
    const next: StoredApproval = { ...record, state: 'rejected', decidedBy: by, decidedAt: now, reason };
    if ((await this.transition(record, 'pending', next, reason !== expiredReason)) !== 'ok') return false;
    const records = rejectedRecords(viewOfRecord(next), by, reason);
    await this.deps.publish(records.event, records.audit[0]);
    for (const entry of records.audit.slice(1)) await this.deps.audit(entry);
    return true;
  }

  /** Withdraw a pending job (`cancel`): it ends `cancelled`. False when it is not pending any more. */
  async cancel(
    record: StoredApproval,
    by: Requester,
    events: { event: NewEvent; audit: NewAuditEntry[] },
  ): Promise<boolean> {
    const next: StoredApproval = { ...record, state: 'cancelled', decidedBy: by, decidedAt: Date.now() };
    if ((await this.transition(record, 'pending', next, false)) !== 'ok') return false;
    await this.deps.publish(events.event, events.audit[0]);
    for (const entry of events.audit.slice(1)) await this.deps.audit(entry);
    return true;
  }

  private expire(record: StoredApproval): Promise<boolean> {
    return this.end(record, this.deps.requester, expiredReason);
  }

  /**
   * Every record, after a sweep: pending ones past their expiry end `rejected`, an approval whose BullMQ add was
   * lost is added, and decided records past retention are dropped. Consoles list every few seconds, so an expiry
   * is noticed (and published) within that, by whichever process looks first; the compare-and-set makes it once.
   */
  async sweep(): Promise<StoredApproval[]> {
    const all = await this.deps.cmd.hgetall(this.keys.records);
    const now = Date.now();
    const out: StoredApproval[] = [];
    for (const [id, json] of Object.entries(all)) {
      const record = parseRecord(json);
      if (!record) continue;
      if (record.state === 'pending' && now >= record.expiresAt) {
        await this.expire(record);
        const after = await this.read(id);
        if (after) out.push(after);
        continue;
      }
      if (
        record.state === 'approved' &&
        !record.queuedAt &&
        now - (record.decidedAt ?? now) > requeueAfterMs
      ) {
        await this.enqueueApproved(record).catch(() => {}); // the next sweep tries again
      }
      const decidedLongAgo = now - (record.decidedAt ?? now) > keepDecidedMs;
      // An approval is kept while its job is: the worker checks it on every attempt.
      if (decidedLongAgo && (record.state !== 'approved' || !(await this.deps.exists(id)))) {
        await this.deps.cmd.hdel(this.keys.records, id);
        continue;
      }
      out.push(record);
    }
    return out;
  }
}

/** A record's approval as `JobView.approval` shows it. */
export function approvalOf(record: StoredApproval): JobApproval {
  const { state, why, requestedAt, expiresAt, decidedBy, decidedAt, reason } = record;
  return {
    state,
    why,
    requestedAt,
    expiresAt,
    ...(decidedBy ? { decidedBy } : {}),
    ...(decidedAt ? { decidedAt } : {}),
    ...(reason ? { reason } : {}),
  };
}

const statusOfState: Record<ApprovalState, JobStatus> = {
  pending: 'approval_pending',
  approved: 'queued',
  rejected: 'rejected',
  cancelled: 'cancelled',
};

/** The view of a job that is not in BullMQ (pending, rejected, or withdrawn before its approval). */
export function viewOfRecord(record: StoredApproval): JobView {
  const { spec } = record;
  const status = statusOfState[record.state];
  const ended = record.state === 'rejected' || record.state === 'cancelled';
  return {
    id: record.id,
    kind: record.kind,
    status,
    step: 0,
    total: 0,
    attempts: 0,
    maxAttempts: record.maxAttempts,
    requestedBy: spec.requestedBy,
    createdAt: record.requestedAt,
    payload: spec.payload,
    ...(spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey } : {}),
    ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
    ...(spec.schedule ? { schedule: spec.schedule } : {}),
    ...(ended && record.decidedAt ? { finishedAt: record.decidedAt } : {}),
    ...(record.state === 'rejected' && record.decidedBy
      ? { error: rejectionError(record.decidedBy, record.reason ?? '') }
      : {}),
    ...(record.state === 'cancelled' && record.decidedBy
      ? { error: `cancelled by ${describeRequester(record.decidedBy)}` }
      : {}),
    approval: approvalOf(record),
  };
}

function parseRecord(json: string | null | undefined): StoredApproval | undefined {
  if (!json) return undefined;
  try {
    const record = JSON.parse(json) as StoredApproval;
    const known = (approvalStates as readonly string[]).includes(record.state);
    return record.v === 1 && known && typeof record.id === 'string' && record.spec ? record : undefined;
  } catch {
    return undefined; // written by something else: not ours to act on
  }
}
