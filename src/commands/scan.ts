import {
  cloudEventTypes,
  type ScannedScope,
  type ScanRegionEventData,
  type ScanResult,
} from '../domain/cloudJobs';
import { globalScope } from '../domain/resource';
import { stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { currentRequester } from '../services/bus/requester';
import {
  type CloudCommandIO,
  CommandCloud,
  describeCloud,
  openCloudCommandBus,
  reportCloudJob,
  runCloudJob,
} from './cloudJob';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { formatDuration } from './jobs';
import { parseRegionsFlag } from './regionsFlag';

export const scanDeclaration = declareCommand({
  name: 'scan',
  summary: "scan the account's regions and buckets, region by region",
  description:
    'Queues a scan job and prints each region the moment it is scanned (also when a worker on another host ' +
    'runs it); the result is cached in the workspace. Ctrl-C cancels the job.',
  args: [],
  flags: {
    regions: { type: 'string', value: 'a,b', help: 'only these regions (default: every enabled region)' },
    'no-buckets': { type: 'boolean', help: 'leave S3 buckets out' },
    json: { type: 'boolean', help: 'the outcome as JSON' },
  },
  exits: {
    0: 'every region was scanned',
    1: 'some region failed, or the job did',
    2: 'bad arguments (a --regions name that is not an AWS region too)',
    3: 'Redis unreachable',
    4: 'cancelled',
  },
  run: scanCommand,
});

/** `infradeck scan [--regions a,b] [--no-buckets] [--json]`: a scan job, printed region by region. */
export async function scanCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let values: { regions?: string; 'no-buckets'?: boolean; json?: boolean };
  try {
    ({ values } = parseCommand(scanDeclaration, argv));
  } catch (error) {
    return usageError(scanDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const checked = await parseRegionsFlag(values.regions, io.workspace.dataDir);
  if ('error' in checked) return usageError(scanDeclaration, io, checked.error);
  const { regions } = checked;
  const cloud = new CommandCloud(io);
  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) return commandError(io, 'scan', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (!json) {
      io.stderr.write(
        bus.transport === 'memory'
          ? `scanning ${describeCloud(await cloud.open())}\n`
          : `a worker on ${bus.target} scans with its own credentials\n`,
      );
    }
    const scopes: ScannedScope[] = [];
    const started = Date.now();
    const run = await runCloudJob(
      bus,
      {
        kind: 'scan',
        payload: { ...(regions ? { regions } : {}), buckets: !values['no-buckets'] },
        requestedBy: currentRequester(io.env),
      },
      io,
      (e) => {
        if (e.type === cloudEventTypes.scanRegion) {
          const d = e.data as ScanRegionEventData | undefined;
          if (!d?.scan) return;
          const s = d.scan;
          scopes.push({
            region: s.region,
            resources: s.resources.length,
            scannedAt: s.scannedAt,
            ...(s.error ? { error: s.error } : {}),
          });
          if (json) return;
          const count = `${d.done}/${d.total}`.padStart(7);
          if (s.error)
            io.stdout.write(`${count}  ${s.region.padEnd(16)}  FAILED  ${stripControl(s.error)}\n`);
          else {
            const what = s.region === globalScope ? 'buckets' : 'resources';
            io.stdout.write(
              `${count}  ${s.region.padEnd(16)}  ${String(s.resources.length).padStart(6)} ${what}\n`,
            );
          }
        } else if (e.type === 'job.failed' && !json) {
          const d = e.data as { willRetry?: boolean } | undefined;
          if (d?.willRetry) io.stderr.write(`scan failed, will retry: ${e.message}\n`);
        }
      },
      { quiet: json, command: 'scan' },
    );
    return reportCloudJob<ScanResult>(
      'scan',
      run,
      io,
      json,
      (result) => {
        const ok = result.regions.length - result.failed.length;
        const lines = [
          `scanned ${ok} of ${result.regions.length} scopes of ${result.cloud === 'demo' ? 'the DEMO cloud' : `account ${result.account}`}: ` +
            `${result.resources} resources in ${formatDuration(Date.now() - started)}` +
            (result.failed.length ? `; failed: ${result.failed.join(', ')}` : ''),
          ...(result.cacheDir ? [`cached in ${result.cacheDir}/${result.account}`] : []),
          ...result.cacheErrors,
        ];
        return lines.join('\n');
      },
      { regions: scopes },
    );
  } finally {
    await bus.close();
  }
}
