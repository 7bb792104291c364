import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type AuditEntry, maskedAuditEntry } from '../domain/audit';
import { fitWidth, stripControl } from '../domain/text';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { writeFileAtomic } from '../services/storage/atomicWrite';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';

export const auditDeclaration = declareCommand({
  name: 'audit',
  summary: 'who asked for what, when, from where, and the outcome',
  description:
    'The audit trail, oldest first: from Redis with REDIS_URL, else from <data>/audit/audit.jsonl. ' +
    'With --export FILE the whole trail is written to FILE for an auditor: one JSON object per line, oldest ' +
    'first, secret-shaped values masked, mode 0600, written whole or not at all.',
  args: [],
  flags: {
    json: { type: 'boolean', help: 'the entries as JSON' },
    limit: { type: 'string', value: 'N', help: 'the newest N entries (default 200)' },
    all: { type: 'boolean', help: 'every entry' },
    export: { type: 'string', value: 'FILE', help: 'write the whole trail to FILE as JSON lines' },
    force: { type: 'boolean', help: 'with --export: replace FILE if it exists' },
  },
  exits: {
    0: 'ok',
    1: 'the export file cannot be written',
    2: 'bad arguments, or the export file exists (without --force)',
    3: 'Redis unreachable',
  },
  run: auditCommand,
});

/** `infradeck audit [--json] [--limit N | --all] [--export FILE [--force]]`: the audit trail, oldest first. */
export async function auditCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let json: boolean;
  let limit: number | undefined;
  let exportTo: { file: string; force: boolean } | undefined;
  try {
    const { values } = parseCommand(auditDeclaration, argv);
    json = wantsJson(io, values.json);
    if (values.limit !== undefined && !/^[1-9]\d{0,6}$/.test(values.limit)) {
      throw new Error(`--limit ${values.limit}: not a positive number`);
    }
    if (values.export !== undefined) {
      if (!values.export.trim()) throw new Error('--export needs a file name');
      if (values.limit !== undefined || values.all)
        throw new Error('--export writes the whole trail: no --limit or --all');
      exportTo = { file: resolve(values.export), force: values.force === true };
    } else if (values.force) {
      throw new Error('--force goes with --export FILE');
    }
    limit = values.all || exportTo ? undefined : Number(values.limit ?? 200);
  } catch (error) {
    return usageError(auditDeclaration, io, error);
  }
  if (exportTo && !exportTo.force && (await exists(exportTo.file))) {
    io.stderr.write(`infradeck audit: ${exportTo.file} exists: --force to replace it\n`);
    return exitCodes.usage;
  }
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'audit', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (bus.transport === 'memory' && !io.workspace) {
      io.stderr.write('REDIS_URL is not set and no data folder is open: there is no audit trail to read.\n');
      if (exportTo) return exitCodes.failed;
    }
    const entries = (await bus.audit.list(limit === undefined ? {} : { limit })).map(maskedAuditEntry);
    if (exportTo) return await exportTrail(entries, exportTo, json, io);
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
        // What was asked is cut first, then where from (the host) hides; when, who, the action, the job and the
        // outcome stay whole (a batch target's job id alone is 20 columns).
        {
          width: terminalWidth(io),
          giveWay: [
            { column: 'WHAT', min: 16 },
            { column: 'WHAT', hide: true },
            { column: 'WHERE', hide: true },
          ],
        },
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

async function exportTrail(
  entries: AuditEntry[],
  to: { file: string; force: boolean },
  json: boolean,
  io: BusCommandIO,
): Promise<number> {
  const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
  try {
    // Whole or not at all, readable by its owner only; without --force an existing file is never replaced.
    await writeFileAtomic(to.file, text, { mode: 0o600, exclusive: !to.force });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      io.stderr.write(`infradeck audit: ${to.file} exists: --force to replace it\n`);
      return exitCodes.usage;
    }
    // Not the message of the temporary file written first (`ENOENT: …, open '/dir/.x.jsonl.123.tmp'`).
    const why =
      code === 'ENOENT'
        ? `the folder ${dirname(resolve(to.file))} does not exist`
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied in ${dirname(resolve(to.file))}`
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
    io.stderr.write(`infradeck audit: cannot write ${to.file}: ${why}\n`);
    return exitCodes.failed;
  }
  if (json) io.stdout.write(`${JSON.stringify({ exported: entries.length, file: to.file })}\n`);
  else
    io.stdout.write(
      `exported ${entries.length} audit ${entries.length === 1 ? 'entry' : 'entries'} to ${to.file}\n`,
    );
  return exitCodes.ok;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
