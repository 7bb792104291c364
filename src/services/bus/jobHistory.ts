import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { jobApprovalSchema } from '../../domain/approval';
import {
  isFinished,
  type JobLogLine,
  type JobRun,
  type JobView,
  jobStatuses,
  requesterSchema,
  runOutcomes,
} from '../../domain/job';
import { settleRuns, withRunEnded } from '../../domain/jobRuns';
import { requestSignatureSchema } from '../../domain/signature';
import { writeFileAtomic } from '../storage/atomicWrite';

/** Who wrote a record: a record left unfinished by a process that is gone was interrupted. */
interface Owner {
  host: string;
  pid: number;
}

interface StoredJob {
  v: 1;
  owner: Owner;
  view: JobView;
}

export interface JobHistoryOptions {
  /** Jobs kept (the newest); older records are deleted. Default 500. */
  keepJobs?: number;
  /** Output lines kept per job (the last ones). Default 200. */
  keepLines?: number;
  /** A record that could not be written (full disk, permissions): said once, never thrown. */
  onError?: (message: string) => void;
}

const counted = /^([1-9]\d{0,14})\.json$/;
// A child's id is its parent's, a dot and its key (or `~` and a hash of it): `12.web-1`, `12.~3f2a…`.
const recordFile = /^([A-Za-z0-9][A-Za-z0-9_.~-]{0,199})\.json$/;
/** Prune only when this many records past the limit have gathered, not after every job. */
const pruneSlack = 20;

/**
 * The job history of the embedded default, `<dataDir>/jobs/`: one `<id>.json` per job (its view) and one
 * `<id>.log` (its last output lines, JSON lines). It also hands out job ids: the next number is the highest
 * record's plus one, and a record is created with `link`, which fails if the file exists, so two processes
 * sharing the workspace never get the same id, and ids never restart (the newest record is never pruned).
 */
export class JobHistory {
  readonly dir: string;
  private readonly keepJobs: number;
  private readonly keepLines: number;
  private readonly owner: Owner = { host: hostname(), pid: process.pid };
  private writes: Promise<void> = Promise.resolve();
  private writesSincePrune = 0;
  private reported = false;

  constructor(
    dataDir: string,
    private readonly opts: JobHistoryOptions = {},
  ) {
    this.dir = join(dataDir, 'jobs');
    this.keepJobs = Math.max(1, opts.keepJobs ?? 500);
    this.keepLines = Math.max(0, opts.keepLines ?? 200);
  }

  /** A new job: the next id, and its first record (written before the id is handed out). */
  async create(make: (id: string) => JobView): Promise<JobView> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (let tries = 0; ; tries++) {
      const id = String((await this.highestId()) + 1);
      const view = make(id);
      if (await this.createExclusive(`${id}.json`, this.recordText(view))) return view;
      // Another process took that number between our look and our create: look again.
      if (tries >= 100) throw new Error(`cannot allocate a job id in ${this.dir}: every try collided`);
    }
  }

  /** Write the job as it is now (and, when given, its last output lines); in order, in the background. */
  save(view: JobView, logs?: readonly JobLogLine[]): void {
    const text = this.recordText(view);
    const logText =
      logs === undefined
        ? undefined
        : logs
            .slice(-this.keepLines)
            .map((l) => `${JSON.stringify(l)}\n`)
            .join('');
    this.enqueueWrite(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // Output lines and payloads may hold what a program printed or was given: only the owner reads them.
      const mode = 0o600;
      if (logText !== undefined) await writeFileAtomic(join(this.dir, `${view.id}.log`), logText, { mode });
      await writeFileAtomic(join(this.dir, `${view.id}.json`), text, { mode });
      if (++this.writesSincePrune >= pruneSlack) {
        this.writesSincePrune = 0;
        await this.prune();
      }
    });
  }

  /** Resolves when every record asked for so far is written (or failed). */
  flush(): Promise<void> {
    return this.writes;
  }

  /**
   * The jobs to show, newest first: finished ones, and those a process that is gone left unfinished (they read
   * `failed`, interrupted). Jobs another live process is running are its own business and not listed. A record
   * that cannot be read is listed as a failed job that says so.
   */
  async load(): Promise<JobView[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const ids = names.flatMap((n) => recordFile.exec(n)?.[1] ?? []);
    const read = await Promise.all(ids.map((id) => this.readRecord(id)));
    const views: JobView[] = [];
    for (const record of read) {
      if (!record) continue;
      if ('unreadable' in record) {
        views.push(record.unreadable);
        continue;
      }
      const { view, owner } = record;
      if (isFinished(view.status)) views.push(view);
      else if (owner.host === this.owner.host && !processAlive(owner.pid)) {
        const interrupted = this.interrupted(view, owner, record.mtimeMs);
        this.save(interrupted);
        views.push(interrupted);
      }
    }
    return views.sort((a, b) => b.createdAt - a.createdAt).slice(0, this.keepJobs);
  }

  /** The output lines kept for a job, oldest first. */
  async readLogs(id: string): Promise<JobLogLine[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, `${id}.log`), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: JobLogLine[] = [];
    for (const [i, line] of text.split('\n').entries()) {
      if (!line) continue;
      const parsed = parseLogLine(line);
      out.push(
        parsed ?? {
          attempt: 0,
          seq: i,
          stream: 'info',
          text: `(line ${i + 1} of ${id}.log cannot be read)`,
          at: 0,
        },
      );
    }
    return out;
  }

  private recordText(view: JobView): string {
    const record: StoredJob = { v: 1, owner: this.owner, view };
    return `${JSON.stringify(record)}\n`;
  }

  private interrupted(view: JobView, owner: Owner, mtimeMs: number): JobView {
    const error = `interrupted: the process that ran it (${owner.host}:${owner.pid}) ended before it finished`;
    const finishedAt = Math.max(view.createdAt, Math.floor(mtimeMs));
    return {
      ...view,
      status: 'failed',
      finishedAt,
      error,
      runs: withRunEnded(view.runs, { outcome: 'lost', finishedAt }),
    };
  }

  private async highestId(): Promise<number> {
    let highest = 0;
    for (const name of await readdir(this.dir)) {
      const n = counted.exec(name);
      if (n) highest = Math.max(highest, Number(n[1]));
    }
    return highest;
  }

  /** Create `name` with `text`, only if it does not exist: a full file appears at once, or nothing. */
  private async createExclusive(name: string, text: string): Promise<boolean> {
    const target = join(this.dir, name);
    const temp = join(this.dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    try {
      await link(temp, target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
      // A filesystem without hard links: an exclusive create (a reader may see it empty for a moment).
      try {
        const direct = await open(target, 'wx', 0o600);
        try {
          await direct.writeFile(text);
        } finally {
          await direct.close();
        }
        return true;
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw inner;
      }
    } finally {
      await unlink(temp).catch(() => {});
    }
  }

  private async readRecord(
    id: string,
  ): Promise<{ view: JobView; owner: Owner; mtimeMs: number } | { unreadable: JobView } | undefined> {
    const file = join(this.dir, `${id}.json`);
    let text: string;
    let mtimeMs: number;
    try {
      [text, mtimeMs] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mtimeMs)]);
    } catch (error) {
      // Pruned by another process between the listing and the read.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return { unreadable: unreadableJob(id, `${file}: ${(error as Error).message}`, Date.now()) };
    }
    const checked = parseStoredJob(text, id);
    if (typeof checked === 'string') return { unreadable: unreadableJob(id, `${file}: ${checked}`, mtimeMs) };
    return { ...checked, mtimeMs };
  }

  /** Keep the newest `keepJobs` records (by when they were last written) and always the highest number. */
  private async prune(): Promise<void> {
    const names = await readdir(this.dir);
    const ids = names.flatMap((n) => recordFile.exec(n)?.[1] ?? []);
    if (ids.length <= this.keepJobs) return;
    const highest = Math.max(0, ...ids.filter((id) => /^\d+$/.test(id)).map(Number));
    const dated = await Promise.all(
      ids.map(async (id) => ({
        id,
        at: await stat(join(this.dir, `${id}.json`)).then(
          (s) => s.mtimeMs,
          () => 0,
        ),
      })),
    );
    dated.sort((a, b) => b.at - a.at);
    for (const { id } of dated.slice(this.keepJobs)) {
      if (id === String(highest)) continue;
      await unlink(join(this.dir, `${id}.json`)).catch(() => {});
      await unlink(join(this.dir, `${id}.log`)).catch(() => {});
    }
  }

  /** Say what went wrong with the history, once (a console does not repeat it for every job). */
  report(message: string): void {
    if (this.reported) return;
    this.reported = true;
    this.opts.onError?.(message);
  }

  private enqueueWrite(write: () => Promise<void>): void {
    this.writes = this.writes
      .then(write)
      .catch((error: unknown) =>
        this.report(`job history not kept in ${this.dir}: ${(error as Error).message}`),
      );
  }
}

function processAlive(pid: number): boolean {
  // Our own pid in a record is a previous process's that had the same number (a container restarted).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unreadableJob(id: string, reason: string, at: number): JobView {
  return {
    id,
    kind: '?',
    status: 'failed',
    step: 0,
    total: 0,
    attempts: 0,
    maxAttempts: 0,
    requestedBy: { user: '?', host: '?' },
    createdAt: at,
    finishedAt: at,
    error: `${reason}: not a job record this version can read`,
    payload: undefined,
  };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A stored record, checked field by field (it may come from another version, or a hand edit). */
export function parseStoredJob(text: string, id: string): { view: JobView; owner: Owner } | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const record = raw as Partial<StoredJob> | null;
  const v = record?.view as Partial<JobView> | undefined;
  if (record?.v !== 1 || typeof v !== 'object' || v === null) return 'not a version 1 job record';
  if (v.id !== id) return `the record is of job ${JSON.stringify(v.id)}`;
  if (typeof v.kind !== 'string') return 'kind is missing';
  if (!jobStatuses.includes(v.status as never)) return `status ${JSON.stringify(v.status)} is unknown`;
  const who = requesterSchema.safeParse(v.requestedBy);
  if (!who.success) return 'requestedBy is not a requester';
  if (![v.step, v.total, v.attempts, v.maxAttempts, v.createdAt].every(isNumber))
    return 'progress, attempts or createdAt is not a number';
  const view: JobView = {
    id,
    kind: v.kind,
    status: v.status as JobView['status'],
    step: v.step as number,
    total: v.total as number,
    attempts: v.attempts as number,
    maxAttempts: v.maxAttempts as number,
    requestedBy: who.data,
    createdAt: v.createdAt as number,
    payload: v.payload,
  };
  if (typeof v.message === 'string') view.message = v.message;
  if (isNumber(v.startedAt)) view.startedAt = v.startedAt;
  if (isNumber(v.finishedAt)) view.finishedAt = v.finishedAt;
  if (v.result !== undefined) view.result = v.result;
  if (typeof v.error === 'string') view.error = v.error;
  if (typeof v.idempotencyKey === 'string') view.idempotencyKey = v.idempotencyKey;
  if (isNumber(v.timeoutMs)) view.timeoutMs = v.timeoutMs;
  if (typeof v.worker === 'string') view.worker = v.worker;
  if (typeof v.parentId === 'string') view.parentId = v.parentId;
  if (typeof v.childKey === 'string') view.childKey = v.childKey;
  const schedule = v.schedule as Partial<NonNullable<JobView['schedule']>> | undefined;
  if (typeof schedule?.name === 'string' && isNumber(schedule.tick))
    view.schedule = { name: schedule.name, tick: schedule.tick };
  if (Array.isArray(v.runs)) view.runs = settleRuns(v.runs.filter(isRun), view);
  // Who signed it and who approved it stay with the job once it is history.
  const signature = requestSignatureSchema.safeParse(v.signature);
  if (signature.success) view.signature = signature.data;
  const approval = jobApprovalSchema.safeParse(v.approval);
  if (approval.success) view.approval = approval.data;
  const owner = record.owner as Partial<Owner> | undefined;
  return {
    view,
    owner: {
      host: typeof owner?.host === 'string' ? owner.host : '?',
      pid: isNumber(owner?.pid) ? owner.pid : 0,
    },
  };
}

function isRun(run: unknown): run is JobRun {
  const r = run as Partial<JobRun> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    isNumber(r.attempt) &&
    isNumber(r.startedAt) &&
    runOutcomes.includes(r.outcome as never)
  );
}

function parseLogLine(text: string): JobLogLine | undefined {
  try {
    const l = JSON.parse(text) as Partial<JobLogLine>;
    if (typeof l.text !== 'string' || !isNumber(l.attempt) || !isNumber(l.seq)) return undefined;
    const stream = l.stream === 'stderr' || l.stream === 'info' ? l.stream : 'stdout';
    return { attempt: l.attempt, seq: l.seq, stream, text: l.text, at: isNumber(l.at) ? l.at : 0 };
  } catch {
    return undefined;
  }
}
