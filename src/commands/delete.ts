import { summarize, type TerminateResult } from '../domain/cloudJobs';
import { planDeletion } from '../domain/dependencyGraph';
import { didYouMean } from '../domain/didYouMean';
import { type Resource, ResourceIndex, resourceKey } from '../domain/resource';
import { stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { currentRequester } from '../services/bus/requester';
import { cachedAccounts, readAccountCache } from '../services/cloud/scanCache';
import { workspacePaths } from '../services/storage/workspace';
import {
  accountToStamp,
  type CloudCommandIO,
  CommandCloud,
  cacheAccount,
  commandReadOnly,
  jobOutcome,
  openCloudCommandBus,
  printJobLog,
  reportCloudJob,
  runCloudJob,
} from './cloudJob';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable } from './printTable';

export const deleteDeclaration = declareCommand({
  name: 'delete',
  summary: 'delete resources in dependency order',
  description:
    'One terminate job. Without --yes nothing is deleted: it prints what would go, in order, from the last ' +
    'scan. --yes is the typed confirmation (the number of resources is sent for the worker to check).',
  args: [
    {
      name: 'ID|REGION/ID',
      variadic: true,
      help: 'the resources, as the last scan names them (REGION/ when an id is in several regions)',
    },
  ],
  flags: {
    yes: { type: 'boolean', short: 'y', help: 'delete (without it: only shows what would go, in order)' },
    'empty-buckets': { type: 'boolean', help: 'also delete buckets that hold objects, with their objects' },
    account: { type: 'string', value: 'ID', help: "look the ids up in this account's cache" },
    json: { type: 'boolean', help: 'what would go, or the outcome, as JSON' },
  },
  exits: {
    0: 'all deleted',
    1: 'something could not be deleted, or the job was refused (read-only)',
    2: 'bad arguments (an --account nothing is cached for too), or no --yes',
    3: 'Redis unreachable',
    4: 'cancelled',
  },
  run: deleteCommand,
});

/** `infradeck delete ID… [--yes] [--empty-buckets]`: delete resources in dependency order (a `terminate` job). */
export async function deleteCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let values: { yes?: boolean; 'empty-buckets'?: boolean; account?: string; json?: boolean };
  let refs: string[];
  try {
    const parsed = parseCommand(deleteDeclaration, argv);
    values = parsed.values;
    refs = parsed.positionals;
    if (refs.length === 0) throw new Error('give the ids of the resources to delete');
    const bad = refs.find((r) => !/^(?:[a-z0-9][a-z0-9-]*\/)?[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(r));
    if (bad) throw new Error(`${bad}: not a resource id or region/id`);
  } catch (error) {
    return usageError(deleteDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const cloud = new CommandCloud(io);

  // What the last scan knows of the selection: its order, and keys so the worker re-reads only those regions.
  const cacheDir = workspacePaths(io.workspace.dataDir).cacheDir;
  const choice = await cacheAccount(io, cloud, values.account);
  const scans = 'error' in choice ? [] : (await readAccountCache(cacheDir, choice.account)).scans;
  // A mistyped --account read as "nothing cached" and went on: checked as `resources --account` says it.
  if (values.account !== undefined && scans.length === 0) {
    const accounts = await cachedAccounts(cacheDir);
    const near = didYouMean(values.account, accounts, 2);
    return usageError(
      deleteDeclaration,
      { ...io, json },
      new Error(
        `--account ${stripControl(values.account)}: nothing is cached for that account in ${cacheDir} (${near ? `did you mean ${near}? ` : ''}${accounts.length ? `cached: ${accounts.join(', ')}` : 'run `infradeck scan` to fill it'})`,
      ),
    );
  }
  const index = ResourceIndex.fromScans(scans);
  const found: Resource[] = [];
  const notCached: string[] = [];
  for (const ref of refs) {
    const slash = ref.indexOf('/');
    const r = slash < 0 ? index.find(ref) : index.get(ref.slice(0, slash), ref.slice(slash + 1));
    if (r) {
      if (!found.includes(r)) found.push(r);
    } else if (!notCached.includes(ref)) notCached.push(ref);
  }
  const plan = planDeletion(found, index.all);
  const selection = [...found.map(resourceKey), ...notCached];

  if (!values.yes) {
    if (json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            deleted: false,
            levels: plan.levels.map((level) => level.map(summarize)),
            skipped: plan.skipped.map((s) => ({ resource: summarize(s.resource), reason: s.reason })),
            warnings: plan.warnings.map((w) => w.message),
            notCached,
          },
          null,
          2,
        )}\n`,
      );
    } else printPlan(io, plan, notCached, 'error' in choice ? choice.error : choice.note);
    io.stderr.write(
      `Nothing was deleted: run again with --yes to delete ${selection.length === 1 ? 'it' : 'them'}.\n`,
    );
    return exitCodes.usage;
  }

  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) return commandError(io, 'delete', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    const account = await accountToStamp(bus, cloud);
    const run = await runCloudJob(
      bus,
      {
        kind: 'terminate',
        payload: {
          ids: selection,
          confirm: String(selection.length),
          emptyBuckets: values['empty-buckets'] === true,
          readOnly: commandReadOnly(io),
          ...(account ? { account } : {}),
        },
        requestedBy: currentRequester(io.env),
      },
      io,
      (e) => {
        if (!json) printJobLog(io, e);
      },
      { quiet: json, command: 'delete' },
    );
    return reportCloudJob<TerminateResult>('delete', run, io, json, (_result, job) => jobOutcome(job));
  } finally {
    await bus.close();
  }
}

function printPlan(
  io: CloudCommandIO,
  plan: ReturnType<typeof planDeletion>,
  notCached: string[],
  note: string | undefined,
): void {
  if (note) io.stderr.write(`${note}\n`);
  const nodes = plan.levels.flat();
  if (nodes.length > 0) {
    io.stdout.write(
      `Would delete ${nodes.length} resource${nodes.length === 1 ? '' : 's'}, in this order:\n`,
    );
    const rows: string[][] = [];
    for (const [i, level] of plan.levels.entries()) {
      for (const [j, r] of level.entries()) {
        rows.push([
          j === 0 ? `${i + 1}.` : '',
          r.type,
          r.id,
          stripControl(r.name ?? ''),
          r.region,
          r.state ?? '',
          stripControl(r.project ?? ''),
        ]);
      }
    }
    printTable(io.stdout, ['STEP', 'TYPE', 'ID', 'NAME', 'REGION', 'STATE', 'PROJECT'], rows);
  }
  for (const s of plan.skipped) io.stdout.write(`removed with its VPC: ${s.resource.id} (${s.reason})\n`);
  for (const c of plan.cycles)
    io.stdout.write(`cannot be ordered (they depend on each other): ${c.map((r) => r.id).join(', ')}\n`);
  for (const w of plan.warnings) io.stdout.write(`warning: ${w.message}\n`);
  if (nodes.some((r) => r.type === 'bucket')) {
    io.stdout.write(
      'buckets that hold objects are deleted only with --empty-buckets (every object version goes)\n',
    );
  }
  if (notCached.length > 0) {
    io.stdout.write(
      `not in the last scan (the worker looks ${notCached.length === 1 ? 'it' : 'them'} up before deleting): ${notCached.join(', ')}\n`,
    );
  }
}
