import { planDeletion } from '../domain/dependencyGraph';
import type { DestroyResult } from '../domain/projectJobs';
import { destroyPayloadFor } from '../domain/projectPayloads';
import { liveStateResources } from '../domain/projectState';
import type { Resource } from '../domain/resource';
import { stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { lookUpProject } from '../services/projects/lookUpProject';
import { commandReadOnly, describeCloud } from './cloudJob';
import { commandError } from './commandError';
import { declareCommand } from './declaration';
import { parseOneArgument } from './oneArgument';
import { entryErrors, findProject, type ProjectCommandIO, projectCloud, runProjectJob } from './projects';

export const destroyDeclaration = declareCommand({
  name: 'destroy',
  summary: 'delete everything of a project (protected: --confirm its name)',
  description:
    "What carries the project's tag and what its state file lists, deleted in reverse dependency order. " +
    'Without --yes it prints what would go.',
  args: [{ name: 'PROJECT', help: 'the blueprint (projects/PROJECT.yaml)' }],
  flags: {
    yes: { type: 'boolean', short: 'y', help: 'delete (without it nothing is deleted)' },
    confirm: {
      type: 'string',
      value: 'PROJECT',
      help: "the project's name again: a protected project needs it (the worker checks it again)",
    },
    'empty-buckets': { type: 'boolean', help: 'also delete buckets that hold objects, with their objects' },
    json: { type: 'boolean', help: 'what would go, or the outcome, as JSON' },
  },
  exits: {
    0: 'destroyed',
    1: 'failed or refused (read-only)',
    2: 'no --yes, no or a wrong confirmation, an unknown project or bad arguments',
    3: 'Redis unreachable',
    4: 'cancelled',
  },
  run: destroyCommand,
});

/** `infradeck destroy PROJECT [--yes] [--confirm PROJECT]`: what would go, then with `--yes` the destroy job. */
export async function destroyCommand(argv: string[], io: ProjectCommandIO): Promise<number> {
  const parsed = parseOneArgument(destroyDeclaration, argv, 'give one project name', io);
  if (typeof parsed === 'number') return parsed;
  const { arg: name, values } = parsed;
  const json = wantsJson(io, values.json);
  const found = await findProject(io.workspace.dataDir, name);
  if ('error' in found) return commandError({ ...io, json }, 'destroy', found.error, exitCodes.usage);
  const { entry } = found;
  const project = entry.name;
  // A blueprint with errors can still be destroyed: what its state file and tags say is enough.
  for (const e of entryErrors(entry)) if (!entry.blueprint) io.stderr.write(`note: ${e}\n`);
  const region = entry.state?.region ?? entry.blueprint?.region;
  const isProtected = Boolean(entry.state?.protected || entry.blueprint?.protected);

  const cloud = projectCloud(io);
  let tagged: Resource[] = [];
  if (region) {
    try {
      const opened = await cloud.open();
      if (opened.problem) throw new Error(opened.problem);
      if (!json) io.stderr.write(`looking up ${project} in ${region} on ${describeCloud(opened)}\n`);
      tagged = (await lookUpProject(opened.provider, project, region, io.signal, entry.state)).filter(
        (r) => r.type !== 'volume',
      );
    } catch (error) {
      io.stderr.write(`infradeck destroy: could not ask the cloud: ${(error as Error).message}\n`);
      return exitCodes.failed;
    }
  }
  const taggedIds = new Set(tagged.map((r) => r.id));
  const onlyRecorded = liveStateResources(entry.state).filter((r) => !taggedIds.has(r.id));
  const order = planDeletion(tagged, tagged);
  const count = tagged.length + onlyRecorded.length;
  if (json && !values.yes) {
    io.stdout.write(
      `${JSON.stringify(
        {
          destroyed: false,
          project,
          region,
          protected: isProtected,
          levels: order.levels.map((l) => l.map((r) => ({ type: r.type, id: r.id, name: r.name }))),
          stateOnly: onlyRecorded.map((r) => ({ type: r.type, id: r.id, logicalId: r.logicalId })),
        },
        null,
        2,
      )}\n`,
    );
  } else if (!json) {
    io.stdout.write(
      `${project} in ${region ?? '(region unknown)'}: ${count} resource${count === 1 ? '' : 's'} to delete, dependants first\n`,
    );
    order.levels.forEach((level, i) => {
      for (const r of level)
        io.stdout.write(`  ${i + 1}. ${r.type} ${r.id}${r.name ? ` (${stripControl(r.name)})` : ''}\n`);
    });
    for (const r of onlyRecorded)
      io.stdout.write(`  ${r.type} ${r.id} (${r.logicalId}): in the state file only\n`);
    if (tagged.some((r) => r.type === 'bucket') && !values['empty-buckets'])
      io.stdout.write('  buckets that hold objects stay unless --empty-buckets is given\n');
  }
  if (count === 0) {
    io.stderr.write(
      `nothing of ${project} exists (no resource carries its tag, its state file lists none)\n`,
    );
    return exitCodes.ok;
  }
  if (!values.yes) {
    io.stderr.write(
      `Nothing was destroyed: run again with --yes${isProtected ? ` --confirm ${project}` : ''}.\n`,
    );
    return exitCodes.usage;
  }
  if (isProtected && values.confirm !== project) {
    io.stderr.write(
      `Nothing was destroyed: ${project} is protected; ${values.confirm === undefined ? 'add' : `--confirm ${values.confirm} is not its name: give`} --confirm ${project}.\n`,
    );
    return exitCodes.usage;
  }

  const payload = destroyPayloadFor(entry, {
    ...(values.confirm !== undefined ? { confirmName: values.confirm } : {}),
    emptyBuckets: values['empty-buckets'] === true,
    readOnly: commandReadOnly(io),
  });
  const { code, job } = await runProjectJob(io, cloud, { kind: 'destroy', payload }, json, 'destroy');
  if (json && job) {
    const result = job.status === 'completed' ? (job.result as DestroyResult) : undefined;
    io.stdout.write(
      `${JSON.stringify({ job: { id: job.id, status: job.status, error: job.error }, result }, null, 2)}\n`,
    );
  }
  return code;
}
