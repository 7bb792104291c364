import type { DeployPlan } from '../domain/plan';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { planFromCloud } from '../services/projects/planFromCloud';
import { describeCloud } from './cloudJob';
import { declareCommand } from './declaration';
import { parseOneArgument } from './oneArgument';
import {
  entryErrors,
  type FoundProject,
  findProject,
  type ProjectCommandIO,
  planJson,
  planText,
  projectCloud,
} from './projects';
import { sourceErrorsJson } from './sourceErrorsJson';

type Found = Extract<FoundProject, { entry: unknown }>;

/** A plan; or a project that could not be planned here because the cloud did not answer; or an exit code. */
export type Planned =
  | { found: Found; plan: DeployPlan }
  | { found: Found; problem: string }
  | { code: number };

/**
 * The plan of one project against the cloud as it is now (its resources looked up by tag, and its state
 * file). Shared by `plan` and `deploy`; problems are printed.
 */
export async function planProject(
  name: string,
  io: ProjectCommandIO,
  command: string,
  json: boolean,
): Promise<Planned> {
  const found = await findProject(io.workspace.dataDir, name);
  if ('error' in found) {
    // A script reading stdout gets the error too, as it gets an invalid blueprint's.
    if (json) printErrorsJson(io, name, [found.error]);
    io.stderr.write(`infradeck ${command}: ${found.error}\n`);
    return { code: exitCodes.usage };
  }
  if (!found.entry.blueprint) {
    // Scripts get the problems as `servers --json` gives its own; people read them on stderr, as always.
    if (json) printErrorsJson(io, found.entry.name, [...found.entry.errors, ...found.entry.stateErrors]);
    for (const e of entryErrors(found.entry)) io.stderr.write(`${e}\n`);
    io.stderr.write(`infradeck ${command}: the blueprint of ${name} is not valid; nothing was planned\n`);
    return { code: exitCodes.usage };
  }
  const cloud = projectCloud(io);
  let plan: DeployPlan | undefined;
  try {
    const opened = await cloud.open();
    if (opened.problem) throw new Error(opened.problem);
    if (!json) io.stderr.write(`planning ${name} against ${describeCloud(opened)}\n`);
    plan = await planFromCloud(opened.provider, found.entry, io.signal);
  } catch (error) {
    const problem = `could not ask the cloud: ${(error as Error).message}`;
    io.stderr.write(`infradeck ${command}: ${problem}\n`);
    return { found, problem };
  }
  if (!plan) return { code: exitCodes.usage };
  for (const e of found.entry.stateErrors) io.stderr.write(`${formatSourceError(e)}\n`);
  return { plan, found };
}

/** `{project, errors: [{file?, line?, column?, path?, message, text}]}` on stdout: why nothing was planned. */
export function printErrorsJson(
  io: ProjectCommandIO,
  project: string,
  errors: readonly (SourceError | string)[],
): void {
  io.stdout.write(`${JSON.stringify({ project, errors: sourceErrorsJson(errors) }, null, 2)}\n`);
}

export const planDeclaration = declareCommand({
  name: 'plan',
  summary: 'what a deploy would create, change and delete; changes nothing',
  description:
    "Computed against the cloud now: the project's resources looked up by tag, and its state file.",
  args: [{ name: 'PROJECT', help: 'the blueprint (projects/PROJECT.yaml)' }],
  flags: { json: { type: 'boolean', help: 'the plan as JSON' } },
  exits: {
    0: 'a plan the deployer can carry out',
    1: 'a plan it cannot carry out (the reasons are printed), or the cloud could not be asked',
    2: 'an unknown project, an invalid blueprint or bad arguments',
  },
  run: planCommand,
});

/** `infradeck plan PROJECT [--json]`: what a deploy would do, computed against the cloud now. */
export async function planCommand(argv: string[], io: ProjectCommandIO): Promise<number> {
  const parsed = parseOneArgument(planDeclaration, argv, 'give one project name', io);
  if (typeof parsed === 'number') return parsed;
  const { arg: name, values } = parsed;
  const json = wantsJson(io, values.json);
  const made = await planProject(name, io, 'plan', json);
  if ('code' in made) return made.code;
  if ('problem' in made) {
    if (json) printErrorsJson(io, made.found.entry.name, [made.problem]);
    return exitCodes.failed;
  }
  const { plan } = made;
  if (json) io.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
  else io.stdout.write(`${planText(plan).join('\n')}\n`);
  return plan.blockers.length > 0 ? exitCodes.failed : exitCodes.ok;
}
