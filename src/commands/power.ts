import type { PowerResult } from '../domain/cloudJobs';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { currentRequester } from '../services/bus/requester';
import { readAccountCache } from '../services/cloud/scanCache';
import { loadProjects } from '../services/projects/loadProjects';
import { workspacePaths } from '../services/storage/workspace';
import {
  accountToStamp,
  type CloudCommandIO,
  CommandCloud,
  cacheAccount,
  commandReadOnly,
  openCloudCommandBus,
  printJobLog,
  reportCloudJob,
  runCloudJob,
} from './cloudJob';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { findProject, knownProjectsText } from './projects';
import { parseRegionsFlag } from './regionsFlag';

export const powerDeclaration = declareCommand({
  name: 'power',
  summary: 'start or stop every instance of a project',
  description:
    'One job for every instance tagged with the project; each instance is printed as it gets there.',
  args: [
    {
      name: 'PROJECT',
      help: 'the project whose instances are started or stopped (a blueprint, or the tag of instances)',
    },
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
    2: 'bad arguments: no blueprint names PROJECT and no instance carries its tag, or a --regions name that is not an AWS region',
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
    return usageError(powerDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const checked = await parseRegionsFlag(values.regions, io.workspace.dataDir);
  if ('error' in checked) return usageError(powerDeclaration, { ...io, json }, checked.error);
  const { regions } = checked;
  const found = await findProject(io.workspace.dataDir, project);
  if ('entry' in found) project = found.entry.name;
  const cloud = new CommandCloud(io);
  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) return commandError(io, 'power', opened.error, exitCodes.unavailable);
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
    // A mistyped name found no instances and read "has no instances", exit 0. A project is what a blueprint (or
    // a state file) names, or what instances are tagged with (the DEMO cloud's web, data, ci have no blueprint):
    // the job's look-up is live, so only a name with neither, instances found none, is no project.
    const result =
      'job' in run && run.job.status === 'completed' ? (run.job.result as PowerResult) : undefined;
    if ('error' in found && result?.instances.length === 0) {
      const unknown = await unknownProject(io, cloud, project);
      if (unknown) return commandError({ ...io, json }, 'power', unknown, exitCodes.usage);
    }
    return reportCloudJob<PowerResult>('power', run, { ...io, json }, json, (result) =>
      result.instances.length === 0
        ? `project ${project} has no instances to ${on ? 'start' : 'stop'}`
        : `project ${project}: ${result.instances.length} instance${result.instances.length === 1 ? '' : 's'} ${on ? 'started' : 'stopped'}`,
    );
  } finally {
    await bus.close();
  }
}

/**
 * Why `name` is no project, when no blueprint names it and the last scan found nothing tagged with it either (a
 * project with instances only outside `--regions` is one): `no project named nope: no blueprint in DIR names it and
 * no instance carries its tag (did you mean web? projects: analytics, ci, data, shop, web)`.
 */
async function unknownProject(
  io: CloudCommandIO,
  cloud: CommandCloud,
  name: string,
): Promise<string | undefined> {
  const paths = workspacePaths(io.workspace.dataDir);
  const names = new Set((await loadProjects(io.workspace.dataDir)).map((e) => e.name));
  const choice = await cacheAccount(io, cloud);
  if ('account' in choice)
    for (const scan of (await readAccountCache(paths.cacheDir, choice.account)).scans)
      for (const r of scan.resources) if (r.project) names.add(r.project);
  if (names.has(name)) return undefined;
  return `no project named ${name}: no blueprint in ${paths.projectsDir} names it and no instance carries its tag${knownProjectsText(name, [...names].sort())}`;
}
