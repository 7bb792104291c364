import { parseArgs } from 'node:util';
import type { PowerResult } from '../domain/cloudJobs';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { currentRequester } from '../services/bus/requester';
import {
  accountToStamp,
  type CloudCommandIO,
  CommandCloud,
  commandReadOnly,
  openCloudCommandBus,
  printJobLog,
  reportCloudJob,
  runCloudJob,
  splitList,
} from './cloudJob';

const usage = 'usage: infradeck power PROJECT on|off [--regions a,b] [--no-wait] [--json]';

/**
 * `infradeck power PROJECT on|off`: start or stop every instance tagged with the project, as one job, and
 * print each instance as it gets there. Exit 0 done (also when the project has no instances, which is said),
 * 1 some instance failed or the job was refused (read-only), 2 bad arguments, 3 Redis unreachable,
 * 4 cancelled.
 */
export async function powerCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let project: string;
  let on: boolean;
  let values: { regions?: string; 'no-wait'?: boolean; json?: boolean };
  try {
    const parsed = parseArgs({
      args: argv,
      options: { regions: { type: 'string' }, 'no-wait': { type: 'boolean' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values;
    const [p, state, ...extra] = parsed.positionals;
    if (!p || !state) throw new Error('give a project and on or off');
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')}`);
    if (state !== 'on' && state !== 'off') throw new Error(`${state}: say on or off`);
    project = p;
    on = state === 'on';
  } catch (error) {
    io.stderr.write(`infradeck power: ${(error as Error).message}\n${usage}\n`);
    return exitCodes.usage;
  }
  const json = wantsJson(io, values.json);
  const cloud = new CommandCloud(io);
  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) {
    io.stderr.write(`infradeck power: ${opened.error}\n`);
    return exitCodes.unavailable;
  }
  const { bus } = opened;
  try {
    const regions = splitList(values.regions);
    const account = await accountToStamp(bus, cloud);
    const run = await runCloudJob(
      bus,
      {
        kind: 'power',
        payload: {
          project,
          on,
          ...(regions ? { regions } : {}),
          wait: !values['no-wait'],
          readOnly: commandReadOnly(io),
          ...(account ? { account } : {}),
        },
        requestedBy: currentRequester(io.env),
      },
      io,
      (e) => {
        if (!json) printJobLog(io, e);
      },
      { quiet: json },
    );
    return reportCloudJob<PowerResult>('power', run, io, json, (result) =>
      result.instances.length === 0
        ? `project ${project} has no instances to ${on ? 'start' : 'stop'}`
        : `project ${project}: ${result.instances.length} instance${result.instances.length === 1 ? '' : 's'} ${on ? 'started' : 'stopped'}`,
    );
  } finally {
    await bus.close();
  }
}
