import type { Redis } from 'ioredis';
import type { JobRun, JobView, RunOutcome } from '../../domain/job';
import { settleRuns, withRunEnded, withRunStarted } from '../../domain/jobRuns';
import { runningJobFunctionLua, timestampArg } from './redisJobGuard';
import { withScripts } from './redisScripts';

/**
 * A job's attempts over Redis live in the BullMQ job hash itself, in a field BullMQ does not know
 * (`deck:runs`, one JSON entry a line: an attempt's start, then its end), so they go when BullMQ removes the job.
 */
export const runsField = 'deck:runs';

/**
 * A Lua function that appends one entry, only if the job hash still exists (never recreate a removed job); past
 * 16 KB the oldest entries go. True when it appended. Other scripts that write a job's start or end include it.
 */
export const appendRunFunctionLua = `
local function appendRunEntry(key, field, entry)
  if redis.call('EXISTS', key) == 0 then return false end
  local v = redis.call('HGET', key, field)
  if v and #v > 0 then
    if #v > 16000 then
      local cut = string.find(v, '\\n', #v - 12000, true)
      if cut then v = string.sub(v, cut + 1) end
    end
    v = v .. '\\n' .. entry
  else
    v = entry
  end
  redis.call('HSET', key, field, v)
  return true
end
`;

/** One entry (KEYS[1] the job hash, ARGV[1] the field, ARGV[2] the entry), on the job the worker runs (ARGV[3]). */
const appendRunLua = `${appendRunFunctionLua}${runningJobFunctionLua}
if isRunningJob(KEYS[1], ARGV[3]) and appendRunEntry(KEYS[1], ARGV[1], ARGV[2]) then return 1 end
return 0
`;

/**
 * An attempt's end in one step: its entry (KEYS[1] the job hash), a failed job's result (ARGV[4], if not empty;
 * only while the job exists) and a child's last view on its parent (KEYS[2] the parent's hash, ARGV[5] the field,
 * ARGV[6] the view; none when ARGV[5] is empty, nor when either job is gone: a hash made of one child's view would
 * read as a job). Only on the job the worker ran (ARGV[7] its BullMQ `timestamp`, `isRunningJob`). 1 when the job
 * was there, 0 when it is gone (Redis restarted without its data, flushed, the job removed, a new job under its
 * reused id): nothing of its end is stored then.
 */
const endRunLua = `${appendRunFunctionLua}${runningJobFunctionLua}
local appended = false
if isRunningJob(KEYS[1], ARGV[7]) then appended = appendRunEntry(KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[4] ~= '' and appended then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end
if ARGV[5] ~= '' and appended and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], ARGV[5], ARGV[6]) end
if appended then return 1 end
return 0
`;

export type RunStart = { e: 'start'; a: number; at: number; w?: string };
export type RunEnd = { e: 'end'; o: Exclude<RunOutcome, 'running'>; at: number; err?: string };

type RunsRedis = Redis & {
  deckAppendRun(jobHash: string, field: string, entry: string, timestamp: string): Promise<number>;
  deckEndRun(
    jobHash: string,
    parentHash: string,
    field: string,
    entry: string,
    resultField: string,
    result: string,
    viewField: string,
    view: string,
    timestamp: string,
  ): Promise<number>;
};

function withScript(conn: Redis): RunsRedis {
  return withScripts<RunsRedis>(conn, {
    deckAppendRun: { numberOfKeys: 1, lua: appendRunLua },
    deckEndRun: { numberOfKeys: 2, lua: endRunLua },
  });
}

/**
 * Record an attempt's start or end. Sent on the worker's BullMQ connection before the job's own move (to
 * completed, failed or back to wait) on that same connection, so a reader never sees a job ended and its last
 * attempt still open. Not awaited by the caller: a lost entry only makes that attempt read `lost`.
 */
export function appendRun(
  conn: Redis,
  jobHash: string,
  entry: RunStart | RunEnd,
  /** The job's BullMQ `timestamp`: nothing is written unless the hash is still that job's (`isRunningJob`). */
  timestamp?: number,
): Promise<number> {
  return withScript(conn).deckAppendRun(jobHash, runsField, JSON.stringify(entry), timestampArg(timestamp));
}

/**
 * The field's text after `appendRun(…, entry)`, computed here as the script computes it in Redis (the same cut past
 * 16 KB): a worker keeps the job's attempts as Redis has them without reading them back.
 */
export function withRunAppended(text: string | null | undefined, entry: RunStart | RunEnd): string {
  const line = JSON.stringify(entry);
  if (!text) return line;
  // Lua counts bytes, and `string.find(v, '\n', #v - 12000, true)` starts at a 1-based position.
  if (Buffer.byteLength(text) <= 16000) return `${text}\n${line}`;
  const bytes = Buffer.from(text);
  const cut = bytes.indexOf(10, bytes.length - 12001);
  return `${cut >= 0 ? bytes.subarray(cut + 1).toString() : text}\n${line}`;
}

/**
 * An attempt's end, a failed job's result (kept in `resultField`) and a child's last view on its parent, in one
 * command on `conn` (one script: a pipeline of BullMQ's connection costs more to make than to send, as it copies
 * every script BullMQ defined there). Sent before BullMQ's move of the job on the same connection. Resolves to 0
 * when the job is no longer in Redis (nothing written), else 1.
 */
export function endRun(
  conn: Redis,
  jobHash: string,
  entry: RunEnd,
  extra: {
    resultField: string;
    result?: string;
    parent?: { hash: string; field: string; view: string };
    /** The job's BullMQ `timestamp`: nothing is written unless the hash is still that job's (ids start again after Redis lost its data). */
    timestamp?: number;
  },
): Promise<number> {
  return withScript(conn).deckEndRun(
    jobHash,
    extra.parent?.hash ?? jobHash,
    runsField,
    JSON.stringify(entry),
    extra.resultField,
    extra.result ?? '',
    extra.parent?.field ?? '',
    extra.parent?.view ?? '',
    timestampArg(extra.timestamp),
  );
}

export function runStarted(attempt: number, worker: string): RunStart {
  return { e: 'start', a: attempt, at: Date.now(), w: worker };
}

export function runEnded(outcome: RunEnd['o'], error?: string): RunEnd {
  return { e: 'end', o: outcome, at: Date.now(), ...(error ? { err: error } : {}) };
}

/** The attempts a `deck:runs` field tells, settled against the job's state. */
export function parseRuns(
  text: string | null | undefined,
  job: Pick<JobView, 'status' | 'finishedAt' | 'error'>,
): JobRun[] {
  if (!text) return [];
  let runs: JobRun[] = [];
  for (const line of text.split('\n')) {
    let entry: Partial<RunStart> | Partial<RunEnd>;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof entry.at !== 'number') continue;
    if (entry.e === 'start' && typeof entry.a === 'number') {
      runs = withRunStarted(runs, {
        attempt: entry.a,
        startedAt: entry.at,
        ...(typeof entry.w === 'string' ? { worker: entry.w } : {}),
      });
    } else if (entry.e === 'end' && typeof entry.o === 'string') {
      runs = withRunEnded(runs, {
        outcome: entry.o,
        finishedAt: entry.at,
        ...(typeof entry.err === 'string' ? { error: entry.err } : {}),
      });
    }
  }
  return settleRuns(runs, job);
}
