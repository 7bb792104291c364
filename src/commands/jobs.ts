import { join } from 'node:path';
import { describeJob, isJobKind, type JobStatus, type JobView, jobKinds, jobStatuses } from '../domain/job';
import { attemptDuration, attemptStartedAt } from '../domain/jobRuns';
import { formatDuration, resultLines, runLines } from '../domain/jobText';
import { shownJobId } from '../domain/scheduleTickId';
import { fitWidth, formatAge, stripControl } from '../domain/text';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { JobQueue } from '../services/bus/contracts';
import { describeRequester } from '../services/bus/requester';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { type GiveWay, printTable, terminalWidth } from './printTable';
import { unknownId } from './unknownId';

export const jobsDeclaration = declareCommand({
  name: 'jobs',
  summary: 'jobs, newest first, or one job with its output',
  args: [{ name: 'JOB_ID', optional: true, help: 'one job, with the tail of its output' }],
  flags: {
    json: { type: 'boolean', help: 'the jobs (or the job and its output) as JSON' },
    status: { type: 'string', value: 'S,S', help: `only jobs in these states (${jobStatuses.join(', ')})` },
    kind: { type: 'string', value: 'KIND', help: 'only jobs of this kind (command, scan, deploy…)' },
    limit: { type: 'string', value: 'N', help: 'at most N jobs (default 200)' },
  },
  exits: { 0: 'ok', 2: 'bad arguments, or no job JOB_ID', 3: 'Redis unreachable' },
  run: jobsCommand,
});

/** `infradeck jobs [--json] [--status S,S] [--kind K] [--limit N] [JOB_ID]`: the jobs, or one job. */
export async function jobsCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError(jobsDeclaration, io, error);
  }
  const { values, id, statuses } = parsed;
  const json = wantsJson(io, values.json);
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'jobs', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (bus.transport === 'memory') io.stderr.write(`${historyNote(io.workspace?.dataDir)}\n`);
    if (id) {
      const job = (await bus.queue.get(id)) ?? (await tickShownAs(bus.queue, id));
      if (!job) return unknownId(io, 'jobs', 'job', id, 'infradeck jobs');
      const logs = await bus.queue.logs(job.id, { tail: json ? 1000 : 20 });
      if (json) io.stdout.write(`${JSON.stringify({ job: jobJson(job), logs }, null, 2)}\n`);
      else
        printJob(
          io.stdout,
          job,
          logs.map((l) => `${l.stream === 'stderr' ? '! ' : '  '}${stripControl(l.text)}`),
        );
      return exitCodes.ok;
    }
    const jobs = await bus.queue.list({
      ...(statuses ? { status: statuses } : {}),
      ...(values.kind ? { kind: values.kind } : {}),
      limit: values.limit ? Number(values.limit) : 200,
    });
    if (json) {
      io.stdout.write(`${JSON.stringify({ jobs: jobs.map(jobJson) }, null, 2)}\n`);
    } else if (jobs.length === 0) {
      io.stdout.write('No jobs.\n');
    } else {
      const now = Date.now();
      const width = terminalWidth(io);
      // A tick's id (46 wide) as the console shows it, on a terminal: a pipe and --json keep the real id.
      const idOf = width === undefined ? (id: string) => id : shownJobId;
      printTable(
        io.stdout,
        ['ID', 'KIND', 'STATUS', 'PROGRESS', 'TRIES', 'BY', 'AGE', 'TOOK', 'WHAT'],
        jobs.map((j) => [
          idOf(j.id),
          j.kind,
          j.status,
          j.total > 0 ? `${j.step}/${j.total}` : '-',
          `${j.attempts}/${j.maxAttempts}`,
          `${j.requestedBy.user}@${j.requestedBy.host}`,
          formatAge(now - j.createdAt),
          took(j, now),
          fitWidth(stripControl(describeJob(j.kind, j.payload)), 48).trimEnd(),
        ]),
        { width, giveWay: jobsGiveWay },
      );
    }
    return exitCodes.ok;
  } catch (error) {
    io.stderr.write(`infradeck jobs: ${(error as Error).message}\n`);
    return isBusError(error, 'unavailable') ? exitCodes.unavailable : exitCodes.failed;
  } finally {
    await bus.close();
  }
}

/**
 * A job as `--json` gives it: its `startedAt` is the human view's "started", when its current attempt began (a run
 * taken over from a killed worker, handed back or resumed goes on with the attempt: the first of those runs' start,
 * not the last take's). Each run's own start, end, outcome and worker are in `runs`.
 */
function jobJson(job: JobView): JobView {
  const startedAt = attemptStartedAt(job);
  return startedAt === undefined || startedAt === job.startedAt ? job : { ...job, startedAt };
}

/**
 * How the list fits a terminal, as the console's Jobs tab does: what a job does is cut first, then the attempts, the
 * time it took and who asked go (in that order), then the progress and the age; the id (a tick's as its schedule
 * and time), kind and status stay whole (`infradeck jobs ID` takes the id, a tick's as the table shows it too).
 */
const jobsGiveWay: GiveWay[] = [
  { column: 'WHAT', min: 24 },
  { column: 'TRIES', hide: true },
  { column: 'TOOK', hide: true },
  { column: 'BY', min: 16 },
  { column: 'BY', hide: true },
  { column: 'WHAT', min: 12 },
  { column: 'PROGRESS', hide: true },
  { column: 'AGE', hide: true },
  { column: 'WHAT', hide: true },
];

/** A schedule's tick named as the table shows it (`nightly-report 12-08 01:30`): the newest tick that reads so. */
async function tickShownAs(queue: JobQueue, shown: string): Promise<JobView | undefined> {
  if (!/ \d\d-\d\d \d\d:\d\d/.test(shown)) return undefined;
  const listed = await queue.list({ limit: 500 });
  return listed.find((j) => j.id !== shown && shownJobId(j.id) === shown);
}

export const embeddedNote =
  'REDIS_URL is not set: jobs run inside each console (the embedded default) and only that console sees them; ' +
  'set REDIS_URL to share jobs between processes and hosts.';

/** What `jobs` lists without Redis: the workspace's finished jobs; running ones live in the process running them. */
function historyNote(dataDir?: string): string {
  if (!dataDir) return embeddedNote;
  return (
    'REDIS_URL is not set: jobs run inside the console or command that queued them; listed here are those ' +
    `finished in this workspace (kept in ${join(dataDir, 'jobs')}, the newest 500). Set REDIS_URL to share ` +
    'running jobs between processes and hosts.'
  );
}

function parse(argv: string[]) {
  const { values, positionals } = parseCommand(jobsDeclaration, argv);
  if (positionals.length > 1) throw new Error(`one job id at most (got ${positionals.join(' ')})`);
  if (values.limit !== undefined && !/^[1-9]\d{0,5}$/.test(values.limit)) {
    throw new Error(`--limit ${values.limit}: not a number from 1 to 999999`);
  }
  let statuses: JobStatus[] | undefined;
  if (values.status) {
    statuses = values.status.split(',').map((s) => s.trim()) as JobStatus[];
    const bad = statuses.filter((s) => !jobStatuses.includes(s));
    if (bad.length > 0)
      throw new Error(`--status ${bad.join(',')}: not a status (${jobStatuses.join(', ')})`);
  }
  // An unknown kind matched nothing and said nothing: a typo read as "no such jobs".
  if (values.kind !== undefined && !isJobKind(values.kind)) {
    throw new Error(`--kind ${values.kind}: not a kind of job (${jobKinds.join(', ')})`);
  }
  return { values, id: positionals[0], statuses };
}

export function took(job: JobView, now = Date.now()): string {
  const ms = attemptDuration(job, now);
  return ms === undefined ? '-' : formatDuration(ms);
}

export { formatDuration };

function printJob(out: NodeJS.WritableStream, job: JobView, logTail: string[]): void {
  const when = (ms?: number) => (ms ? new Date(ms).toISOString() : '-');
  const rows: Array<[string, string]> = [
    ['job', job.id],
    ['kind', job.kind],
    ['status', job.status],
    ['what', stripControl(describeJob(job.kind, job.payload))],
    [
      'progress',
      job.total > 0 ? `${job.step}/${job.total}${job.message ? ` ${stripControl(job.message)}` : ''}` : '-',
    ],
    ['attempts', `${job.attempts}/${job.maxAttempts}`],
    ['requested by', describeRequester(job.requestedBy)],
    ['created', when(job.createdAt)],
    ['started', when(attemptStartedAt(job))],
    ['finished', when(job.finishedAt)],
    ['took', took(job)],
    ['worker', job.worker ?? '-'],
  ];
  if (job.error) rows.push(['error', stripControl(job.error)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const block = (title: string, lines: string[]) =>
    lines.length > 0 ? `\n\n${title}:\n${lines.map((l) => `  ${stripControl(l)}`).join('\n')}` : '';
  out.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  out.write(block('attempts', runLines(job.runs ?? [], job.maxAttempts)));
  out.write(block('result', resultLines(job.result)));
  out.write(logTail.length > 0 ? `\n\nlast ${logTail.length} lines:\n${logTail.join('\n')}\n` : '\n');
}
