import { isRefusal } from '../domain/refusal';
import { runNowSpec, type Schedule } from '../domain/schedule';
import { scheduleAuditEntry } from '../domain/scheduleAudit';
import { describeCron, formatInZone, hasSeconds } from '../domain/scheduleReading';
import type { SchedulesFile } from '../domain/scheduleSource';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import { busSettings, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { currentRequester } from '../services/bus/requester';
import { setScheduleEnabled } from '../services/scheduler/editSchedules';
import { loadSchedules } from '../services/scheduler/schedulesFile';
import {
  type CloudCommandIO,
  CommandCloud,
  commandReadOnly,
  openCloudCommandBus,
  printJobLog,
  reportCloudJob,
  runCloudJob,
} from './cloudJob';
import { commandError, writeErrorsJson } from './commandError';
import { parseCommand, usageError } from './declaration';
import { type ScheduleAction, scheduleActions, scheduleDeclaration } from './schedule';

/** `infradeck schedule next|run|enable|disable NAME [--count N] [--json]`. */
export async function scheduleCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let action: ScheduleAction;
  let name: string;
  let count = 5;
  let json: boolean;
  try {
    const { values, positionals } = parseCommand(scheduleDeclaration, argv);
    const [verb, given, ...extra] = positionals;
    if (!verb || !given)
      throw new Error('say what to do (next, run, enable or disable) and to which schedule');
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')}`);
    if (!(scheduleActions as readonly string[]).includes(verb))
      throw new Error(`"${verb}" is not one of ${scheduleActions.join(', ')}`);
    if (values.count !== undefined) {
      if (verb !== 'next') throw new Error('--count goes with next');
      if (!/^\d+$/.test(values.count) || Number(values.count) < 1 || Number(values.count) > 100)
        throw new Error(`--count ${values.count}: not a number from 1 to 100`);
      count = Number(values.count);
    }
    action = verb as ScheduleAction;
    name = given;
    json = wantsJson(io, values.json);
  } catch (error) {
    return usageError(scheduleDeclaration, io, error);
  }
  const file = await loadSchedules(io.workspace.dataDir, io.env);
  if (action === 'enable' || action === 'disable') return enable(io, file, name, action === 'enable', json);
  const found = findSchedule(file, name);
  if ('error' in found) {
    io.stderr.write(`infradeck schedule: ${found.error}\n`);
    // A schedule with errors gives them located; any other reason is said as a plain message.
    writeErrorsJson({ ...io, json }, found.located ?? [found.error]);
    return exitCodes.usage;
  }
  return action === 'next' ? next(io, found.schedule, count, json) : runNow(io, found.schedule, json);
}

/** The valid schedule of that name, or why there is none (its errors, or the names there are). */
function findSchedule(
  file: SchedulesFile,
  name: string,
): { schedule: Schedule } | { error: string; located?: SourceError[] } {
  const schedule = file.schedules.find((s) => s.name === name);
  if (schedule) return { schedule };
  const invalid = file.invalid.find((i) => i.name === name);
  if (invalid)
    return {
      error: `schedule "${name}" has errors:\n${invalid.errors.map((e) => `  ${formatSourceError(e)}`).join('\n')}`,
      located: invalid.errors,
    };
  if (!file.exists) return { error: `no schedules: ${file.file} does not exist` };
  if (!file.readable) return { error: file.errors.map(formatSourceError).join('\n'), located: file.errors };
  const names = file.schedules.map((s) => s.name).join(', ') || 'none';
  return { error: `no schedule "${name}" in ${file.file} (schedules: ${names})` };
}

async function next(io: CloudCommandIO, schedule: Schedule, count: number, json: boolean): Promise<number> {
  const { nextTicks } = await import('../domain/scheduleCron');
  const ticks = nextTicks(schedule.cron, schedule.timezone, Date.now(), count);
  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          name: schedule.name,
          cron: schedule.cron,
          description: describeCron(schedule.cron),
          timezone: schedule.timezone,
          enabled: schedule.enabled,
          next: ticks.map((t) => new Date(t).toISOString()),
        },
        null,
        2,
      )}\n`,
    );
    return exitCodes.ok;
  }
  const paused = schedule.enabled ? '' : ' (paused: it will not run until enabled)';
  io.stdout.write(
    `${schedule.name}: ${schedule.cron} · ${describeCron(schedule.cron)} · ${schedule.timezone}${paused}\n`,
  );
  const seconds = hasSeconds(schedule.cron);
  for (const tick of ticks)
    io.stdout.write(`  ${formatInZone(tick, schedule.timezone, seconds)}  ${new Date(tick).toISOString()}\n`);
  if (ticks.length === 0) io.stdout.write('  (no more runs)\n');
  return exitCodes.ok;
}

/** A job of the schedule now, asked for by this person (not a tick: no overlap or catch-up rule applies). */
async function runNow(io: CloudCommandIO, schedule: Schedule, json: boolean): Promise<number> {
  const cloud = new CommandCloud(io);
  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) return commandError(io, 'schedule', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    const spec = runNowSpec(schedule, currentRequester(io.env), Date.now(), commandReadOnly(io));
    const run = await runCloudJob(bus, spec, io, (e) => (json ? undefined : printJobLog(io, e)), {
      quiet: json,
      command: 'schedule',
    });
    if ('error' in run && isRefusal(run.error)) {
      io.stderr.write(`infradeck schedule: ${run.error}\n`);
      return exitCodes.failed;
    }
    return reportCloudJob(
      'schedule',
      run,
      io,
      json,
      (_result, job) => `job ${job.id} completed (run of ${schedule.name})`,
      { schedule: spec.schedule },
    );
  } finally {
    await bus.close();
  }
}

async function enable(
  io: CloudCommandIO,
  file: SchedulesFile,
  name: string,
  enabled: boolean,
  json: boolean,
): Promise<number> {
  const verb = enabled ? 'enable' : 'disable';
  // The change is audited where jobs are (Redis, or the workspace's trail): no trail, no change.
  const opened = await openCommandBus(io);
  if ('error' in opened) {
    io.stderr.write(`infradeck schedule: ${opened.error}; ${file.file} is unchanged\n`);
    return exitCodes.unavailable;
  }
  const audit = (refused?: string) =>
    opened.bus.audit.append(scheduleAuditEntry(verb, currentRequester(io.env), file.file, name, refused));
  let result: Awaited<ReturnType<typeof setScheduleEnabled>>;
  try {
    if (commandReadOnly(io)) {
      await audit('read-only mode');
      io.stderr.write(
        `infradeck schedule: refused to ${verb} "${name}": read-only mode (--readonly or INFRADECK_READONLY); ${file.file} is unchanged\n`,
      );
      return exitCodes.failed;
    }
    result = await setScheduleEnabled(io.workspace.dataDir, name, enabled, io.env);
    if (result.ok && result.changed) await audit();
    else if (!result.ok && result.code === 'failed') await audit(result.error);
  } finally {
    await opened.bus.close();
  }
  if (!result.ok)
    return commandError(
      { ...io, json },
      'schedule',
      result.error,
      result.code === 'usage' ? exitCodes.usage : exitCodes.failed,
    );
  // Over Redis the registrations follow the file now, not when a worker next looks.
  const synced = result.changed ? await syncRedis(io) : undefined;
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ name, enabled, changed: result.changed, file: result.file, ...(synced ? { registered: synced } : {}) }, null, 2)}\n`,
    );
  } else {
    const state = enabled ? 'enabled' : 'disabled';
    io.stdout.write(
      result.changed
        ? `${name} ${state} in ${result.file}${synced ? `; ${synced}` : ''}\n`
        : `${name} was already ${state}; ${result.file} is unchanged\n`,
    );
  }
  return exitCodes.ok;
}

/** Registers the file's schedules on Redis, when there is one; says what happened (or why not). */
async function syncRedis(io: CloudCommandIO): Promise<string | undefined> {
  const settings = busSettings(io.env);
  if (!settings.redisUrl) return undefined;
  const { RedisScheduler } = await import('../services/scheduler/redisScheduler');
  const scheduler = new RedisScheduler({ ...settings, redisUrl: settings.redisUrl });
  try {
    const report = await scheduler.sync(await loadSchedules(io.workspace.dataDir, io.env));
    return `job schedulers on Redis: ${report.registered.length} registered, ${report.removed.length} removed`;
  } catch (error) {
    return `job schedulers on Redis not updated (${(error as Error).message}); workers update them when they next read the file`;
  } finally {
    await scheduler.close();
  }
}
