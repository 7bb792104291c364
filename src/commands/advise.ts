import type { AdviceFinding, AdviceReport } from '../domain/adviceFinding';
import { describeRow } from '../domain/adviceFinding';
import { stripControl } from '../domain/text';
import { exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { type CloudCommandIO, CommandCloud, cacheAccount } from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';

export const adviseDeclaration = declareCommand({
  name: 'advise',
  summary: 'built-in advice: open ports, public buckets, old servers, failing jobs',
  description:
    'Rules over the scanned resources (the cache `infradeck resources` reads), the jobs and schedules.yaml with its ' +
    'runs: SSH/RDP open to 0.0.0.0/0 or ::/0, buckets with public access not blocked or without versioning, ' +
    'instances stopped for more than 7 days, a job failing 3 times with the same error in a week, a schedule ' +
    'whose last 3 runs failed, scans older than a day. Each finding names its rows and suggests a job spec; ' +
    'nothing is run. What could not be checked is said, never skipped silently. Needs no assistant endpoint.',
  args: [],
  flags: {
    account: {
      type: 'string',
      value: 'ID',
      help: "this account's cache (default: the credentials' account)",
    },
    json: { type: 'boolean', help: 'the findings as JSON: {account, findings: [...], notes: [...]}' },
  },
  exits: { 0: 'ok (findings or none)', 2: 'bad arguments' },
  run: adviseCommand,
});

/** `infradeck advise [--account ID] [--json]`. */
export async function adviseCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let values: { account?: string; json?: boolean };
  try {
    values = parseCommand(adviseDeclaration, argv).values;
  } catch (error) {
    return usageError(adviseDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const { account, report } = await gatherAdvice(io, values.account, json);
  if (json) {
    io.stdout.write(`${JSON.stringify({ account: account ?? null, ...report }, null, 2)}\n`);
    return exitCodes.ok;
  }
  printAdvice(io.stdout, report.findings);
  for (const note of report.notes) io.stderr.write(`not checked: ${stripControl(note)}\n`);
  io.stderr.write(`${summaryLine(report)}\n`);
  return exitCodes.ok;
}

/** The advice on this workspace's real state: the account's cache, the queue's jobs, schedules.yaml. */
export async function gatherAdvice(
  io: CloudCommandIO,
  explicitAccount: string | undefined,
  quiet: boolean,
): Promise<{ account?: string; report: AdviceReport }> {
  const [{ adviseOn }, { gatherAdviceInput }] = await Promise.all([
    import('../domain/advice'),
    import('../services/ai/adviceSources'),
  ]);
  const choice = await cacheAccount(io, new CommandCloud(io), explicitAccount);
  if ('note' in choice && choice.note && !quiet) io.stderr.write(`${choice.note}\n`);
  const opened = await openCommandBus(io);
  try {
    const input = await gatherAdviceInput({
      dataDir: io.workspace.dataDir,
      env: io.env,
      ...('account' in choice ? { account: choice.account } : { accountProblem: choice.error }),
      queue: 'error' in opened ? { error: opened.error } : opened.bus.queue,
    });
    return { ...('account' in choice ? { account: choice.account } : {}), report: adviseOn(input) };
  } finally {
    if ('bus' in opened) await opened.bus.close();
  }
}

const shownRows = 5;

export function printAdvice(out: NodeJS.WritableStream, findings: readonly AdviceFinding[]): void {
  if (findings.length === 0) {
    out.write('No findings.\n');
    return;
  }
  for (const f of findings) {
    const rows = f.rows.slice(0, shownRows).map(describeRow).join(', ');
    const more = f.rows.length > shownRows ? ` and ${f.rows.length - shownRows} more` : '';
    out.write(`[${f.severity}] ${f.rule}: ${stripControl(f.why)}\n`);
    out.write(`  about: ${stripControl(rows)}${more}\n`);
    if (f.suggestion) {
      out.write(`  suggested job (${f.suggestion.kind}): ${stripControl(f.suggestion.summary)}\n`);
      if (f.suggestion.note) out.write(`  note: ${stripControl(f.suggestion.note)}\n`);
      if (f.suggestion.notHere) out.write(`  not to run here: ${stripControl(f.suggestion.notHere)}\n`);
    }
  }
}

function summaryLine(report: AdviceReport): string {
  const n = report.findings.length;
  if (n === 0)
    return `no findings${report.notes.length ? ` (${report.notes.length} things not checked)` : ''}`;
  const by = (s: string) => report.findings.filter((f) => f.severity === s).length;
  return `${n} finding${n === 1 ? '' : 's'}: ${by('high')} high, ${by('medium')} medium, ${by('low')} low (nothing was run)`;
}
