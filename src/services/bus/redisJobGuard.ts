/**
 * The one check every script that writes for a running job makes first (its output line, progress, saved flow state,
 * attempts, end): a Lua function, true while `key` (the job's BullMQ hash) exists and, when `timestamp` is given (not
 * empty), still holds the job the worker runs, told by BullMQ's `timestamp` field (the job's creation, in ms). After
 * Redis lost its data (restarted without persistence), job ids start again at 1: a new job may hold the running one's
 * id, and nothing of the old job may land on it, nor recreate a removed job's hash.
 */
export const runningJobFunctionLua = `
local function isRunningJob(key, timestamp)
  if redis.call('EXISTS', key) == 0 then return false end
  return timestamp == nil or timestamp == '' or redis.call('HGET', key, 'timestamp') == timestamp
end
`;

/** A job's BullMQ `timestamp` as the scripts take it: empty when unknown (only the hash's existence is checked). */
export function timestampArg(timestamp: number | undefined): string {
  return timestamp !== undefined ? String(timestamp) : '';
}

/** The job a worker runs, as the guarded scripts check it: its hash and its BullMQ `timestamp`. */
export interface RunningJob {
  hash: string;
  timestamp?: number;
}
