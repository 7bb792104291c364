import type { Redis } from 'ioredis';
import { type RunningJob, runningJobFunctionLua, timestampArg } from './redisJobGuard';
import { withScripts } from './redisScripts';

/** Fields of a parent's job hash that its children's notes use (`ctx.flow.parent.note`): one per note, and a count. */
export const flowNoteField = (name: string) => `deck:flow:note:${name}`;
export const flowNoteCountField = 'deck:flow:notes';

/**
 * Add ids to a parent's list of children (KEYS[1] the parent's hash, ARGV[1] the field, ARGV[2..] the ids), those
 * not in it yet, in order, in one step: a parent and its children may add children at the same moment, and a read
 * then a write would lose one's. Nothing while the hash does not exist (never recreate a removed job).
 */
const listChildrenLua = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local v = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local seen = {}
for id in string.gmatch(v, '[^\\n]+') do seen[id] = true end
local add = {}
for i = 2, #ARGV do
  if not seen[ARGV[i]] then
    seen[ARGV[i]] = true
    add[#add + 1] = ARGV[i]
  end
end
if #add == 0 then return 0 end
if #v > 0 then v = v .. '\\n' end
redis.call('HSET', KEYS[1], ARGV[1], v .. table.concat(add, '\\n'))
return #add
`;

/**
 * The check every write of a child on its parent makes first (`ctx.flow.parent`: a note, children added): the child
 * is still the job its worker runs (`isRunningJob`: after Redis lost its data, the parent's id may be a new job's, and
 * nothing of the old child may land on it), and the parent is there and not cancelled.
 */
const childMayWriteLua = `${runningJobFunctionLua}
local function childMayWrite(parentHash, cancelledHash, parentId, childHash, childTimestamp)
  if not isRunningJob(childHash, childTimestamp) then return false end
  if redis.call('EXISTS', parentHash) == 0 then return false end
  return redis.call('HEXISTS', cancelledHash, parentId) == 0
end
`;

/**
 * `childMayWrite` alone (KEYS[1] the parent's hash, KEYS[2] the `cancelled` hash, KEYS[3] the child's; ARGV[1] the
 * parent's id, ARGV[2] the child's `timestamp`): 1 when the child may write on its parent.
 */
const childMayWriteCheckLua = `${childMayWriteLua}
if childMayWrite(KEYS[1], KEYS[2], ARGV[1], KEYS[3], ARGV[2]) then return 1 end
return 0
`;

/**
 * A child's note on its parent (KEYS[1] the parent's hash, KEYS[2] the `cancelled` hash, KEYS[3] the child's hash;
 * ARGV[1] the parent's id, ARGV[2] the child's `timestamp`, ARGV[3] the note's field, ARGV[4] its value, ARGV[5] the
 * count's field, ARGV[6..] the fields to read), in one step: kept if none was under that name, then the count and the
 * notes asked for. Nil (nothing kept) unless `childMayWrite`: the parent is gone or was cancelled, or the child is no
 * longer the job its worker runs.
 */
const noteLua = `${childMayWriteLua}
if not childMayWrite(KEYS[1], KEYS[2], ARGV[1], KEYS[3], ARGV[2]) then return nil end
if redis.call('HSETNX', KEYS[1], ARGV[3], ARGV[4]) == 1 then redis.call('HINCRBY', KEYS[1], ARGV[5], 1) end
local out = { redis.call('HGET', KEYS[1], ARGV[5]) }
for i = 6, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) end
return out
`;

/**
 * A parent's saved state (`ctx.flow.save`): KEYS[1] its hash, ARGV[1] the field, ARGV[2] the state's JSON (empty:
 * none, the field goes), only on the job the worker runs (ARGV[3] its `timestamp`: `isRunningJob`). 0 when nothing
 * was written: a job Redis lost saves nothing onto a new job under its reused id, nor makes up a removed job's hash.
 */
const saveFlowStateLua = `${runningJobFunctionLua}
if not isRunningJob(KEYS[1], ARGV[3]) then return 0 end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1
`;

type FlowRedis = Redis & {
  deckSaveFlowState(jobHash: string, field: string, state: string, timestamp: string): Promise<number>;
  deckListChildren(parentHash: string, field: string, ...ids: string[]): Promise<number>;
  deckChildMayWrite(
    parentHash: string,
    cancelledHash: string,
    childHash: string,
    parentId: string,
    childTimestamp: string,
  ): Promise<number>;
  deckNote(
    parentHash: string,
    cancelledHash: string,
    childHash: string,
    parentId: string,
    childTimestamp: string,
    field: string,
    value: string,
    countField: string,
    ...read: string[]
  ): Promise<(string | null)[] | null>;
};

function flowScripts(conn: Redis): FlowRedis {
  return withScripts<FlowRedis>(conn, {
    deckListChildren: { numberOfKeys: 1, lua: listChildrenLua },
    deckSaveFlowState: { numberOfKeys: 1, lua: saveFlowStateLua },
    deckNote: { numberOfKeys: 3, lua: noteLua },
    deckChildMayWrite: { numberOfKeys: 3, lua: childMayWriteCheckLua },
  });
}

/**
 * Store a running job's flow state in its hash (`field`; undefined removes it), if the hash still holds that job
 * (see `saveFlowStateLua`); false when nothing was written.
 */
export async function saveFlowState(
  conn: Redis,
  job: RunningJob,
  field: string,
  state: unknown,
): Promise<boolean> {
  const json = state === undefined ? '' : JSON.stringify(state);
  return (
    (await flowScripts(conn).deckSaveFlowState(job.hash, field, json, timestampArg(job.timestamp))) === 1
  );
}

/** Add `ids` to the parent's list of children (`field`), those not in it yet. */
export function listChildren(conn: Redis, parentHash: string, field: string, ids: readonly string[]) {
  return flowScripts(conn).deckListChildren(parentHash, field, ...ids);
}

/** A running child's parent, as its writes on it name it: its hash and id, and the bus's `cancelled` hash. */
export interface ParentOfChild {
  hash: string;
  id: string;
  cancelledHash: string;
}

/**
 * Whether `child` may write on its parent now (see `childMayWriteLua`): it is still the job its worker runs, and the
 * parent is there and not cancelled.
 */
export async function childMayWrite(conn: Redis, parent: ParentOfChild, child: RunningJob): Promise<boolean> {
  const reply = await flowScripts(conn).deckChildMayWrite(
    parent.hash,
    parent.cancelledHash,
    child.hash,
    parent.id,
    timestampArg(child.timestamp),
  );
  return reply === 1;
}

/**
 * Keep `child`'s note on its parent and read others (see `noteLua`); undefined when the parent is gone or cancelled,
 * or the child is no longer the job its worker runs.
 */
export async function noteOnParent(
  conn: Redis,
  parent: ParentOfChild,
  child: RunningJob,
  name: string,
  value: unknown,
  read: readonly string[],
): Promise<{ notes: Map<string, unknown>; count: number } | undefined> {
  const reply = await flowScripts(conn).deckNote(
    parent.hash,
    parent.cancelledHash,
    child.hash,
    parent.id,
    timestampArg(child.timestamp),
    flowNoteField(name),
    JSON.stringify(value ?? null),
    flowNoteCountField,
    ...read.map(flowNoteField),
  );
  if (!reply) return undefined;
  const notes = new Map<string, unknown>();
  read.forEach((n, i) => {
    const raw = reply[i + 1];
    if (raw !== null && raw !== undefined) notes.set(n, parseJson(raw));
  });
  return { notes, count: Number(reply[0] ?? 0) };
}

/** JSON as stored by these scripts (a note, a job's data), undefined when there is none or it does not parse. */
export function parseJson(raw: string | null | undefined): unknown {
  if (raw === null || raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
