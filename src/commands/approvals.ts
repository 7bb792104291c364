import { describeExpiry, pendingApprovals } from '../domain/approval';
import { describeJob } from '../domain/job';
import { fitWidth, stripControl } from '../domain/text';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { describeRequester } from '../services/bus/requester';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { embeddedNote } from './jobs';
import { printTable, terminalWidth } from './printTable';

export const approvalsDeclaration = declareCommand({
  name: 'approvals',
  summary: 'jobs waiting for an approval: who asked, why, until when',
  description:
    'A job of a protected project, or of a kind listed under access.approve in access.yaml, asked by someone who is ' +
    'not an admin, waits as approval_pending until another admin approves (infradeck approve JOB) or rejects it ' +
    '(infradeck reject JOB, with a reason). Unapproved, it ends rejected when it expires.',
  args: [],
  flags: { json: { type: 'boolean', help: 'the pending jobs as JSON' } },
  exits: { 0: 'ok', 2: 'bad arguments', 3: 'Redis unreachable' },
  run: approvalsCommand,
});

/** `infradeck approvals [--json]`: the jobs waiting for an approval, the one expiring first first. */
export async function approvalsCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let json: boolean;
  try {
    json = wantsJson(io, parseCommand(approvalsDeclaration, argv).values.json);
  } catch (error) {
    return usageError(approvalsDeclaration, io, error);
  }
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'approvals', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (bus.transport === 'memory') io.stderr.write(`${embeddedNote}\n`);
    const pending = pendingApprovals(await bus.queue.list({ status: 'approval_pending', limit: 10_000 }));
    const now = Date.now();
    if (json) {
      const approvals = pending.map((j) => ({
        id: j.id,
        kind: j.kind,
        status: j.status,
        what: describeJob(j.kind, j.payload),
        requestedBy: j.requestedBy,
        requestedAt: j.approval?.requestedAt ?? j.createdAt,
        expiresAt: j.approval?.expiresAt,
        why: j.approval?.why,
      }));
      io.stdout.write(`${JSON.stringify({ approvals }, null, 2)}\n`);
    } else if (pending.length === 0) {
      io.stdout.write('No job is waiting for an approval.\n');
    } else {
      printTable(
        io.stdout,
        ['ID', 'KIND', 'BY', 'EXPIRES', 'WHY', 'WHAT'],
        pending.map((j) => [
          j.id,
          j.kind,
          describeRequester(j.requestedBy),
          j.approval ? describeExpiry(j.approval.expiresAt, now).replace(/^expires /, '') : '-',
          stripControl(j.approval?.why ?? ''),
          fitWidth(stripControl(describeJob(j.kind, j.payload)), 40).trimEnd(),
        ]),
        // What the job does, then why it was asked, are cut first; the id, kind, who and the expiry stay whole.
        {
          width: terminalWidth(io),
          giveWay: [
            { column: 'WHAT', min: 16 },
            { column: 'WHY', min: 16 },
            { column: 'WHAT', hide: true },
            { column: 'WHY', min: 8 },
          ],
        },
      );
    }
    return exitCodes.ok;
  } catch (error) {
    io.stderr.write(`infradeck approvals: ${(error as Error).message}\n`);
    return isBusError(error, 'unavailable') ? exitCodes.unavailable : exitCodes.failed;
  } finally {
    await bus.close();
  }
}
