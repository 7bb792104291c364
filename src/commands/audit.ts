import { fitWidth, stripControl } from '../domain/text';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable } from './printTable';

export const auditDeclaration = declareCommand({
  name: 'audit',
  summary: 'who asked for what, when, from where, and the outcome',
  description:
    'The audit trail, oldest first: from Redis with REDIS_URL, else from <data>/audit/audit.jsonl.',
  args: [],
  flags: {
    json: { type: 'boolean', help: 'the entries as JSON' },
    limit: { type: 'string', value: 'N', help: 'the newest N entries (default 200)' },
    all: { type: 'boolean', help: 'every entry' },
  },
  exits: { 0: 'ok', 2: 'bad arguments', 3: 'Redis unreachable' },
  run: auditCommand,
});

/** `infradeck audit [--json] [--limit N | --all]`: the audit trail, oldest first. */
export async function auditCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let json: boolean;
  let limit: number | undefined;
  try {
    const { values } = parseCommand(auditDeclaration, argv);
    json = wantsJson(io, values.json);
    if (values.limit !== undefined && !/^[1-9]\d{0,6}$/.test(values.limit)) {
      throw new Error(`--limit ${values.limit}: not a positive number`);
    }
    limit = values.all ? undefined : Number(values.limit ?? 200);
  } catch (error) {
    return usageError(auditDeclaration, io.stderr, error);
  }
  const opened = await openCommandBus(io);
  if ('error' in opened) {
    io.stderr.write(`infradeck audit: ${opened.error}\n`);
    return exitCodes.unavailable;
  }
  const { bus } = opened;
  try {
    if (bus.transport === 'memory' && !io.workspace) {
      io.stderr.write('REDIS_URL is not set and no data folder is open: there is no audit trail to read.\n');
    }
    const entries = await bus.audit.list(limit === undefined ? {} : { limit });
    if (json) {
      io.stdout.write(`${JSON.stringify({ audit: entries }, null, 2)}\n`);
    } else if (entries.length === 0) {
      io.stdout.write('The audit trail is empty.\n');
    } else {
      printTable(
        io.stdout,
        ['WHEN', 'WHO', 'WHERE', 'ACTION', 'JOB', 'OUTCOME', 'WHAT'],
        entries.map((e) => [
          new Date(e.at).toISOString().replace('T', ' ').slice(0, 19),
          e.who.user,
          `${e.who.host}${e.who.sshClient ? ` (ssh ${e.who.sshClient.split(' ')[0]})` : ''}`,
          e.action,
          e.jobId ?? '-',
          e.outcome,
          fitWidth(stripControl(`${e.what}${e.reason ? ` — ${e.reason}` : ''}`), 60).trimEnd(),
        ]),
      );
    }
    return exitCodes.ok;
  } catch (error) {
    io.stderr.write(`infradeck audit: ${(error as Error).message}\n`);
    return exitCodes.unavailable;
  } finally {
    await bus.close();
  }
}
