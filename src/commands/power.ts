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
} from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';
import { parseRegionsFlag } from './regionsFlag';

export const powerDeclaration = declareCommand({
  name: 'power',
  summary: 'start or stop every instance of a project',
  description:
    'One job for every instance tagged with the project; each instance is printed as it gets there.',
  args: [
    { name: 'PROJECT', help: 'the project whose instances are started or stopped' },
    { name: 'on|off', help: 'start (on) or stop (off)' },
  ],
  flags: {
    regions: { type: 'string', value: 'a,b', help: 'only these regions' },
    'no-wait': { type: 'boolean', help: 'do not wait for the instances to be running or stopped' },
    json: { type: 'boolean', help: 'the outcome as JSON' },
  },
  exits: {
    0: 'done (also when the project has no instances, which is said)',
    1: 'some instance failed, or the job was refused (read-only)',
    2: 'bad arguments (a --regions name that is not an AWS region too)',
    3: 'Redis unreachable',
    4: 'cancelled',
  },
  run: powerCommand,
});

/** `infradeck power PROJECT on|off`: start or stop every instance tagged with the project, as one job. */
export async function powerCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let project: string;
  let on: boolean;
  let values: { regions?: string; 'no-wait'?: boolean; json?: boolean };
  try {
    const parsed = parseCommand(powerDeclaration, argv);
    values = parsed.values;
    const [p, state, ...extra] = parsed.positionals;
    if (!p || !state) throw new Error('give a project and on or off');
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')}`);
    if (state !== 'on' && state !== 'off') throw new Error(`${state}: say on or off`);
    project = p;
    on = state === 'on';
  } catch (error) {
    return usageError(powerDeclaration, io.stderr, error);
  }
  const json = wantsJson(io, values.json);
  const checked = await parseRegionsFlag(values.regions, io.workspace.dataDir);
  if ('error' in checked) return usageError(powerDeclaration, io.stderr, checked.error);
  const { regions } = checked;
  const cloud = new CommandCloud(io);
  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) {
    io.stderr.write(`infradeck power: ${opened.error}\n`);
    return exitCodes.unavailable;
  }
  const { bus } = opened;
  try {
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
      { quiet: json, command: 'power' },
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
