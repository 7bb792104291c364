import { formatAge, formatAgeAgo } from '../domain/text';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { embeddedNote } from './jobs';
import { printTable, terminalWidth } from './printTable';

export const workersDeclaration = declareCommand({
  name: 'workers',
  summary: 'workers online (host, pid, jobs done, current job)',
  description: 'The workers with a live heartbeat.',
  args: [],
  flags: { json: { type: 'boolean', help: 'the workers as JSON' } },
  exits: { 0: 'ok', 2: 'bad arguments', 3: 'Redis unreachable' },
  run: workersCommand,
});

/** `infradeck workers [--json]`: workers with a live heartbeat. */
export async function workersCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let json: boolean;
  try {
    const { values } = parseCommand(workersDeclaration, argv);
    json = wantsJson(io, values.json);
  } catch (error) {
    return usageError(workersDeclaration, io, error);
  }
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'workers', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (bus.transport === 'memory') io.stderr.write(`${embeddedNote}\n`);
    const workers = await bus.workers();
    if (json) {
      io.stdout.write(`${JSON.stringify({ workers }, null, 2)}\n`);
    } else if (workers.length === 0) {
      io.stdout.write('No workers online. Start one with: REDIS_URL=… infradeck worker --concurrency 2\n');
    } else {
      const now = Date.now();
      printTable(
        io.stdout,
        ['WORKER', 'HOST', 'PID', 'UP', 'SLOTS', 'DONE', 'FAILED', 'SEEN', 'RUNNING'],
        workers.map((w) => [
          w.id,
          w.host,
          String(w.pid),
          formatAge(now - w.startedAt),
          `${w.current.length}/${w.concurrency}`,
          String(w.jobsDone),
          String(w.jobsFailed),
          formatAgeAgo(now - w.lastSeenAt),
          w.current.map((c) => `${c.id} (${c.kind})`).join(', ') || '-',
        ]),
        // The counters go first, then what runs is cut; the worker, host and pid stay whole.
        {
          width: terminalWidth(io),
          giveWay: [
            { column: 'FAILED', hide: true },
            { column: 'DONE', hide: true },
            { column: 'UP', hide: true },
            { column: 'RUNNING', min: 16 },
          ],
        },
      );
    }
    return exitCodes.ok;
  } catch (error) {
    io.stderr.write(`infradeck workers: ${(error as Error).message}\n`);
    return exitCodes.unavailable;
  } finally {
    await bus.close();
  }
}
