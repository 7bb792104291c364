import { type PatternShift, type PatternShiftRow, patternShift } from '../domain/logPatterns';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import { fitWidth } from '../domain/text';
import { formatMoment, zoneLabel } from '../domain/timelineAxis';
import { timelineFrame } from '../domain/timelineFrame';
import {
  isTimelineLaneId,
  JobSummaries,
  type TimelineLaneId,
  timelineLaneIds,
} from '../domain/timelineLanes';
import { TimelineStore } from '../domain/timelineStore';
import { formatSpan, parseTimeArgument } from '../domain/timelineWindow';
import { busSettings, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { describeRedisError } from '../services/bus/redisBus';
import { parseRedisUrl } from '../services/bus/redisUrl';
import { loadRepoEntries } from '../services/storage/workspace';
import { readCommitLog } from '../services/timeline/commitLog';
import { jobHistoryEvents } from '../services/timeline/jobHistoryEvents';
import { readJobLogLines } from '../services/timeline/jobLogLines';
import { openStreamSource, readStreamWindow, type StreamSource } from '../services/timeline/streamWindow';
import { type FlagValues, type HeadlessIO, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { sourceErrorsJson } from './sourceErrorsJson';
import { timelineDeclaration } from './timeline';

type Flags = FlagValues<(typeof timelineDeclaration)['flags']>;

/** Events listed per lane in `--json` (the newest of the window). */
const jsonEventsPerLane = 1_000;

/** `infradeck timeline [patterns] …`. */
export async function timelineCommand(argv: string[], io: HeadlessIO): Promise<number> {
  let values: Flags;
  let patterns: boolean;
  try {
    const parsed = parseCommand(timelineDeclaration, argv);
    values = parsed.values;
    const [verb, ...extra] = parsed.positionals;
    if (verb !== undefined && verb !== 'patterns')
      throw new Error(`"${verb}" is not a subcommand (patterns)`);
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')}`);
    patterns = verb === 'patterns';
  } catch (error) {
    return usageError(timelineDeclaration, io, error);
  }
  return patterns ? patternsCommand(values, io) : lanesCommand(values, io);
}

/** The terminal's width, else `$COLUMNS`, else 80 (lanes need a width, a pipe too). */
function outputWidth(io: Pick<HeadlessIO, 'stdout' | 'env'>): number {
  return terminalWidth(io) ?? 80;
}

interface LanesRequest {
  since: number;
  until: number;
  lanes: TimelineLaneId[];
  chosen: boolean;
  json: boolean;
}

function lanesRequest(values: Flags, io: HeadlessIO, now: number): LanesRequest {
  for (const flag of ['before', 'after', 'window', 'top'] as const) {
    if (values[flag] !== undefined) throw new Error(`--${flag} goes with \`timeline patterns\``);
  }
  const since = parseTimeArgument(values.since ?? '1h', now, '--since');
  const until = values.until === undefined ? now : parseTimeArgument(values.until, now, '--until');
  if (!(until > since)) throw new Error(`--until (${new Date(until).toISOString()}) is not after --since`);
  let lanes: TimelineLaneId[] = [...timelineLaneIds];
  if (values.lanes !== undefined) {
    const names = values.lanes
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !isTimelineLaneId(n));
    if (unknown.length || names.length === 0) {
      throw new Error(
        `--lanes ${values.lanes}: unknown lane ${unknown.join(', ')} (lanes: ${timelineLaneIds.join(', ')})`,
      );
    }
    lanes = names as TimelineLaneId[];
  }
  return { since, until, lanes, chosen: values.lanes !== undefined, json: wantsJson(io, values.json) };
}

type Source = { stream: StreamSource } | { history: true };

async function lanesCommand(values: Flags, io: HeadlessIO): Promise<number> {
  const now = Date.now();
  let req: LanesRequest;
  try {
    req = lanesRequest(values, io, now);
  } catch (error) {
    return usageError(timelineDeclaration, io, error);
  }
  const store = new TimelineStore();
  const errors: (SourceError | string)[] = [];
  let source: Source;
  try {
    const opened = await fillFromBus(store, io, req.since, req.until);
    if ('error' in opened) {
      io.stderr.write(`infradeck timeline: ${opened.error}\n`);
      return opened.code;
    }
    source = opened.source;
  } catch (error) {
    io.stderr.write(`infradeck timeline: ${(error as Error).message}\n`);
    return exitCodes.unavailable;
  }
  if (req.lanes.includes('commits')) {
    const found = await loadRepoEntries(io.workspace.dataDir, io.workspace.config, io.env);
    // A repos.yaml with errors was silent here: the commits lane just showed nothing.
    errors.push(...found.errors);
    const read = await readCommitLog(found.entries, req.since, req.until);
    for (const c of read.commits) store.addCommit(c);
    errors.push(...read.errors.map((e) => `commits of ${e}`));
  }
  const width = outputWidth(io);
  const frame = timelineFrame(store, req.since, req.until, width, req.lanes);
  const from = 'stream' in source ? 'stream' : 'job history';
  if (req.json) {
    const lanes = frame.lanes.map(({ lane, columns }) => {
      const buckets: { start: number; count: number; failed?: number }[] = [];
      for (let i = 0; i < frame.cells; i++) {
        if (columns.counts[i] === 0) continue;
        const start = Math.round(req.since + i * frame.columnMs);
        buckets.push(
          columns.failed[i] > 0
            ? { start, count: columns.counts[i], failed: columns.failed[i] }
            : { start, count: columns.counts[i] },
        );
      }
      const events = lane === 'events' ? [] : store.events(lane, req.since, req.until, jsonEventsPerLane);
      return { name: lane, buckets, events };
    });
    io.stdout.write(
      `${JSON.stringify({
        since: req.since,
        until: req.until,
        bucketMs: frame.columnMs,
        clock: from === 'stream' ? 'stream-id' : 'job-history',
        lanes,
        outside: store.outside,
        errors: sourceErrorsJson(errors),
      })}\n`,
    );
    return exitCodes.ok;
  }
  const span = req.until - req.since;
  const out: string[] = [];
  const columnText = formatSpan(Math.max(1000, Math.round(frame.columnMs / 1000) * 1000));
  out.push(
    ...headerLines(
      [
        `${formatMoment(req.since, span)} → ${formatMoment(req.until, span)}`,
        `(${formatSpan(Math.round(span))},`,
        `${columnText} a column,`,
        `${zoneLabel(req.until)};`,
        from === 'stream' ? 'times of the Redis stream ids)' : 'from the job history: no REDIS_URL)',
      ],
      width,
    ),
  );
  const shown = frame.lanes.filter((l) => req.chosen || !l.empty);
  for (const l of shown) out.push(l.line.trimEnd());
  out.push(frame.axis.trimEnd());
  const folded = frame.lanes.filter((l) => !req.chosen && l.empty).map((l) => l.lane);
  if (shown.length === 0) out.push('nothing happened in this window');
  if (folded.length && shown.length) out.push(fitWidth(`nothing in: ${folded.join(', ')}`, width).trimEnd());
  const { future, tooOld } = store.outside;
  if (future)
    out.push(
      `${future} event${future === 1 ? '' : 's'} more than 15 min ahead of this host's clock ${future === 1 ? 'was' : 'were'} counted apart (a clock set wrong?)`,
    );
  if (tooOld)
    out.push(
      `${tooOld} event${tooOld === 1 ? '' : 's'} older than the buckets keep ${tooOld === 1 ? 'was' : 'were'} counted apart`,
    );
  io.stdout.write(`${out.join('\n')}\n`);
  for (const e of errors)
    io.stderr.write(`infradeck timeline: ${typeof e === 'string' ? e : formatSourceError(e)}\n`);
  return exitCodes.ok;
}

/** Words of a header filled into lines of at most `width` columns (a part wider than that is cut). */
function headerLines(parts: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line && line.length + 1 + part.length > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${part}` : part;
  }
  if (line) lines.push(line);
  return lines.map((l) => fitWidth(l, width).trimEnd());
}

/**
 * With REDIS_URL: the stream's events of the window. Without it: the workspace's job history (the memory
 * transport's), as the events those jobs produced.
 */
async function fillFromBus(
  store: TimelineStore,
  io: HeadlessIO,
  since: number,
  until: number,
): Promise<{ source: Source } | { error: string; code: number }> {
  let stream: StreamSource | undefined;
  try {
    stream = openStreamSource(io.env);
  } catch (error) {
    return { error: (error as Error).message, code: exitCodes.usage };
  }
  if (stream) {
    try {
      const problem = await reachable(stream, io.env);
      if (problem) return { error: problem, code: exitCodes.unavailable };
      // A job's later events carry the summary its `job.queued` said, when that is in the window.
      const summaries = new JobSummaries();
      await readStreamWindow(stream.conn, stream.streamKey, since, until, (events) => {
        for (const e of events) store.add(summaries.note(e));
      });
      return { source: { stream } };
    } finally {
      stream.close();
    }
  }
  const opened = await openCommandBus(io);
  if ('error' in opened) return { error: opened.error, code: exitCodes.unavailable };
  try {
    const views = await opened.bus.queue.list({ limit: 100_000 });
    for (const e of jobHistoryEvents(views)) if (e.at >= since && e.at < until) store.add(e);
    return { source: { history: true } };
  } finally {
    await opened.bus.close();
  }
}

async function reachable(stream: StreamSource, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const timeoutMs = Number(env.INFRADECK_CONNECT_TIMEOUT_MS) || 5_000;
  let timer: NodeJS.Timeout | undefined;
  // The ping only learns "Reached the max retries per request limit"; the connection's own error says why, as
  // every other command says it (`redis://127.0.0.1:6379 refused the connection (is Redis running?)`).
  let connectionError: Error | undefined;
  const onError = (error: Error) => {
    connectionError = error;
  };
  stream.conn.on('error', onError);
  try {
    await Promise.race([
      stream.conn.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    const url = busSettings(env).redisUrl;
    const display = url ? parseRedisUrl(url).display : 'Redis';
    return `Redis is unreachable: ${describeRedisError(connectionError ?? (error as Error), display)}`;
  } finally {
    clearTimeout(timer);
    stream.conn.off('error', onError);
  }
}

async function patternsCommand(values: Flags, io: HeadlessIO): Promise<number> {
  const now = Date.now();
  let before: number;
  let after: number;
  let windowMs: number;
  let top: number;
  try {
    for (const flag of ['since', 'until', 'lanes'] as const) {
      if (values[flag] !== undefined)
        throw new Error(`--${flag} goes with \`timeline\`, not \`timeline patterns\``);
    }
    if (values.before === undefined || values.after === undefined) {
      throw new Error('patterns needs --before TIME and --after TIME (the two moments to compare)');
    }
    before = parseTimeArgument(values.before, now, '--before');
    after = parseTimeArgument(values.after, now, '--after');
    if (after < before) throw new Error('--after is earlier than --before');
    windowMs = now - parseTimeArgument(values.window ?? '15m', now, '--window');
    if (!(windowMs > 0)) throw new Error(`--window ${values.window}: give a duration like 15m`);
    if (values.top !== undefined && !/^\d{1,4}$/.test(values.top))
      throw new Error(`--top ${values.top}: not a number`);
    top = Math.max(1, Number(values.top ?? 10));
  } catch (error) {
    return usageError(timelineDeclaration, io, error);
  }
  let stream: StreamSource | undefined;
  try {
    stream = openStreamSource(io.env);
  } catch (error) {
    io.stderr.write(`infradeck timeline: ${(error as Error).message}\n`);
    return exitCodes.usage;
  }
  const opened = stream ? undefined : await openCommandBus(io);
  if (opened && 'error' in opened) {
    io.stderr.write(`infradeck timeline: ${opened.error}\n`);
    return exitCodes.unavailable;
  }
  let shift: PatternShift;
  let from: string;
  try {
    if (stream) {
      const problem = await reachable(stream, io.env);
      if (problem) {
        io.stderr.write(`infradeck timeline: ${problem}\n`);
        return exitCodes.unavailable;
      }
    }
    const source = stream ? { stream } : { queue: opened!.bus.queue };
    const beforeLines = await readJobLogLines(source, before - windowMs, before);
    const afterLines = await readJobLogLines(source, after, after + windowMs);
    from = beforeLines.from;
    shift = patternShift(beforeLines.lines, afterLines.lines, top);
    for (const [name, read] of [
      ['before', beforeLines],
      ['after', afterLines],
    ] as const) {
      if (read.truncated)
        io.stderr.write(
          `infradeck timeline: the ${name} window has more lines than are mined; the first ones were used\n`,
        );
    }
  } catch (error) {
    io.stderr.write(`infradeck timeline: ${(error as Error).message}\n`);
    return exitCodes.unavailable;
  } finally {
    stream?.close();
    await opened?.bus.close();
  }
  const windows = {
    before: { start: before - windowMs, end: before },
    after: { start: after, end: after + windowMs },
  };
  if (wantsJson(io, values.json)) {
    io.stdout.write(`${JSON.stringify({ windows, from, ...shift })}\n`);
    return exitCodes.ok;
  }
  const width = outputWidth(io);
  const span = windowMs;
  io.stdout.write(
    `log pattern shift of job output (${from === 'stream' ? 'the Redis stream' : 'the job history'}, ${zoneLabel(before)}):\n` +
      `  before: ${formatMoment(windows.before.start, span)} → ${formatMoment(windows.before.end, span)}, ${shift.lines.before} lines\n` +
      `  after:  ${formatMoment(windows.after.start, span)} → ${formatMoment(windows.after.end, span)}, ${shift.lines.after} lines\n` +
      `  ${shift.templates} templates\n`,
  );
  const table = (title: string, rows: PatternShiftRow[]) => {
    io.stdout.write(`\n${title}\n`);
    if (rows.length === 0) {
      io.stdout.write('  (none)\n');
      return;
    }
    const templateWidth = Math.max(20, width - 30);
    printTable(
      io.stdout,
      ['BEFORE', 'AFTER', 'CHANGE', 'TEMPLATE'],
      rows.map((r) => [
        String(r.before),
        String(r.after),
        r.change,
        fitWidth(r.template, templateWidth).trimEnd(),
      ]),
    );
  };
  table('Top templates', shift.top);
  table('Appeared', shift.appeared);
  table('Vanished', shift.vanished);
  return exitCodes.ok;
}
