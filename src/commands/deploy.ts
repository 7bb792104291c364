import type { DeployResult } from '../domain/projectJobs';
import { deployPayloadFor } from '../domain/projectPayloads';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import type { ProjectEntry } from '../services/projects/loadProjects';
import { commandReadOnly } from './cloudJob';
import { declareCommand } from './declaration';
import { parseOneArgument } from './oneArgument';
import { planProject } from './plan';
import { type ProjectCommandIO, planJson, planText, projectCloud, runProjectJob } from './projects';

export const deployDeclaration = declareCommand({
  name: 'deploy',
  summary: 'deploy a blueprint (without --yes: only prints the plan)',
  description:
    'Prints the plan against the cloud now; with --yes queues the deploy (a snapshot of the blueprint) and ' +
    'prints each step as it is done. Ctrl-C cancels the job; `infradeck resume JOB` continues it.',
  args: [{ name: 'PROJECT', help: 'the blueprint (projects/PROJECT.yaml)' }],
  flags: {
    yes: { type: 'boolean', short: 'y', help: 'deploy this plan (without it nothing is deployed)' },
    confirm: {
      type: 'string',
      value: 'PROJECT',
      help: "the project's name again: a protected project whose plan deletes or replaces needs it",
    },
    json: { type: 'boolean', help: 'the plan and the outcome as JSON' },
  },
  exits: {
    0: 'deployed, or nothing to do',
    1: 'the deploy failed or was refused (read-only)',
    2: 'no --yes, a missing confirmation, an unknown project, an invalid blueprint or bad arguments',
    3: 'Redis unreachable',
    4: 'cancelled',
  },
  run: deployCommand,
});

/** `infradeck deploy PROJECT [--yes] [--confirm PROJECT]`: the plan, then with `--yes` the deploy job. */
export async function deployCommand(argv: string[], io: ProjectCommandIO): Promise<number> {
  const parsed = parseOneArgument(deployDeclaration, argv, 'give one project name', io);
  if (typeof parsed === 'number') return parsed;
  const { arg: name, values } = parsed;
  const json = wantsJson(io, values.json);
  const made = await planProject(name, io, 'deploy', json);
  if ('code' in made) return made.code;
  if ('problem' in made) {
    // A jump host without cloud credentials driving workers that have them: the worker plans with its own.
    if (!values.yes) {
      if (json) {
        io.stdout.write(
          `${JSON.stringify({ deployed: false, reason: `the plan cannot be shown here: ${made.problem}`, plan: null }, null, 2)}\n`,
        );
      }
      io.stderr.write('Nothing was deployed: the plan cannot be shown here.\n');
      return exitCodes.failed;
    }
    io.stderr.write('deploying without a plan shown here: the worker plans against its own cloud\n');
    return enqueueDeploy(io, made.found.entry, values, json);
  }
  const { plan, found } = made;
  const project = plan.project;
  if (!json) io.stdout.write(`${planText(plan).join('\n')}\n`);

  const refuse = (message: string, code: number) => {
    if (json)
      io.stdout.write(
        `${JSON.stringify({ deployed: false, reason: message, plan: planJson(plan) }, null, 2)}\n`,
      );
    io.stderr.write(`${message}\n`);
    return code;
  };
  if (plan.blockers.length > 0)
    return refuse(`Nothing was deployed: the deployer cannot carry out this plan.`, exitCodes.failed);
  if (plan.actions.length === 0) {
    if (json)
      io.stdout.write(
        `${JSON.stringify({ deployed: false, reason: 'in sync', plan: planJson(plan) }, null, 2)}\n`,
      );
    io.stderr.write(`${project} is in sync: nothing to deploy.\n`);
    return exitCodes.ok;
  }
  if (!values.yes)
    return refuse('Nothing was deployed: run again with --yes to deploy this plan.', exitCodes.usage);
  if (plan.needsConfirmation && values.confirm !== project) {
    return refuse(
      `Nothing was deployed: ${project} is protected and this deploy deletes or replaces; add --confirm ${project}.`,
      exitCodes.usage,
    );
  }

  return enqueueDeploy(io, found.entry, values, json);
}

async function enqueueDeploy(
  io: ProjectCommandIO,
  entry: ProjectEntry,
  values: { confirm?: string },
  json: boolean,
): Promise<number> {
  const payload = deployPayloadFor(entry, {
    ...(values.confirm !== undefined ? { confirmName: values.confirm } : {}),
    readOnly: commandReadOnly(io),
  });
  if (!payload) return exitCodes.usage;
  const { code, job } = await runProjectJob(
    io,
    projectCloud(io),
    { kind: 'deploy', payload },
    json,
    'deploy',
  );
  if (json && job) {
    const result = job.status === 'completed' ? (job.result as DeployResult) : undefined;
    io.stdout.write(
      `${JSON.stringify({ job: { id: job.id, status: job.status, error: job.error }, deployId: payload.deployId, result }, null, 2)}\n`,
    );
  }
  if (job && job.status !== 'completed' && !json && !job.error?.startsWith('refused:'))
    io.stderr.write(`to continue where it stopped: infradeck resume ${job.id}\n`);
  return code;
}
