import { type DeckEvent, isEventId } from '../domain/event';
import { stripControl } from '../domain/text';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';

export const eventsDeclaration = declareCommand({
  name: 'events',
  summary: 'the event stream',
  description:
    'The latest events, or with --since everything after that id; --follow then prints new ones as they ' +
    'happen (gapless across Redis outages) until Ctrl-C. Needs REDIS_URL: without it events live inside each console.',
  args: [],
  flags: {
    follow: { type: 'boolean', short: 'f', help: 'then print new events as they happen, until Ctrl-C' },
    last: { type: 'string', value: 'N', help: 'the latest N events (default 20)' },
    since: { type: 'string', value: 'EVENT_ID', help: 'every event after this id (0: from the start)' },
    job: { type: 'string', value: 'JOB_ID', help: "only this job's events (its latest N, however long ago)" },
    json: { type: 'boolean', help: 'one JSON object per line' },
  },
  exits: { 0: 'ok', 2: 'bad arguments, or no REDIS_URL', 3: 'Redis unreachable' },
  run: eventsCommand,
});

/** `infradeck events [--follow] [--last N] [--since ID] [--job ID] [--json]`: the event stream. */
export async function eventsCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let opts: { follow: boolean; last: number; since?: string; job?: string; json: boolean };
  try {
    const { values } = parseCommand(eventsDeclaration, argv);
    if (values.last !== undefined && !/^\d{1,6}$/.test(values.last))
      throw new Error(`--last ${values.last}: not a number`);
    // --since replays everything after its id: a --last beside it was ignored without a word.
    if (values.last !== undefined && values.since !== undefined) {
      throw new Error('--last and --since: give one (--since prints every event after its id)');
    }
    if (values.since !== undefined && values.since !== '0' && !isEventId(values.since)) {
      throw new Error(`--since ${values.since}: not an event id (like 1718000000000-0)`);
    }
    opts = {
      follow: values.follow === true,
      last: Number(values.last ?? 20),
      since: values.since,
      job: values.job,
      json: wantsJson(io, values.json),
    };
  } catch (error) {
    return usageError(eventsDeclaration, io, error);
  }
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'events', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  if (bus.transport === 'memory') {
    await bus.close();
    io.stderr.write(
      'infradeck events: REDIS_URL is not set: events live inside each console (the embedded default), there is no shared stream to read.\n',
    );
    return exitCodes.usage;
  }
  const print = (e: DeckEvent) => {
    if (opts.job && e.jobId !== opts.job) return;
    io.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : `${formatEvent(e)}\n`);
  };
  try {
    let from = opts.since;
    if (from === undefined) {
      const { events, lastId } = opts.job
        ? await latestOfJob(bus, opts.job, opts.last)
        : await bus.events.recent(opts.last).then((events) => ({ events, lastId: events.at(-1)?.id }));
      for (const e of events) print(e);
      if (!opts.follow) return exitCodes.ok;
      from = lastId ?? (await bus.events.recent(1)).at(-1)?.id ?? '0';
    }
    await followUntilStopped(bus, from, print, io, opts.follow);
    return exitCodes.ok;
  } catch (error) {
    io.stderr.write(`infradeck events: ${(error as Error).message}\n`);
    return exitCodes.unavailable;
  } finally {
    await bus.close();
  }
}

/**
 * A job's latest `last` events, read back a page at a time from the newest: a job of an hour ago has none among
 * the stream's latest 20 (`events --job 7` printed nothing). Each event is read once; the search stops at the
 * stream's start or after a million events. `lastId`: the stream's latest id seen, to follow from.
 */
async function latestOfJob(
  bus: Bus,
  job: string,
  last: number,
): Promise<{ events: DeckEvent[]; lastId?: string }> {
  if (last === 0) return { events: [] };
  const page = Math.max(1_000, last * 50);
  const mine: DeckEvent[] = [];
  let lastId: string | undefined;
  let before: string | undefined;
  for (let read = 0; mine.length < last && read < 1_000_000; read += page) {
    const events = await bus.events.recent(page, before === undefined ? undefined : { before });
    lastId ??= events.at(-1)?.id;
    mine.unshift(...events.filter((e) => e.jobId === job));
    if (events.length < page) break;
    before = events[0].id;
  }
  return { events: mine.slice(-last), lastId };
}

/** Replay after `from`; with `follow`, stay live (reporting outages on stderr) until a signal or io.signal. */
async function followUntilStopped(
  bus: Bus,
  from: string,
  print: (e: DeckEvent) => void,
  io: BusCommandIO,
  follow: boolean,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = () => {
      unsubscribe();
      offState();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    const unsubscribe = bus.events.subscribe(from, print, {
      onNotice: (n) => io.stderr.write(`infradeck events: ${n.message}\n`),
      onLive: () => {
        if (!follow) stop();
      },
    });
    const offState = bus.state.subscribe((s) => {
      io.stderr.write(`infradeck events: Redis ${s.state}${s.detail ? `: ${s.detail}` : ''}\n`);
    });
    if (!follow) return;
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
}

/** `12:04:05.123  warn   job.failed     42  failed: sh exited with code 3` (control sequences removed). */
export function formatEvent(e: DeckEvent): string {
  const time = new Date(e.at).toISOString().slice(11, 23);
  const job = e.jobId ?? '-';
  return `${time}  ${e.level.padEnd(5)}  ${e.type.padEnd(14)}  ${job.padEnd(6)}  ${stripControl(e.message)}`;
}
