import { isFinished } from '../domain/job';
import type { DeployPayload, DeployPayloadInput, DeployResult } from '../domain/projectJobs';
import { deployPayloadFor, resumePayload } from '../domain/projectPayloads';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { loadProjects } from '../services/projects/loadProjects';
import { commandReadOnly, openCloudCommandBus } from './cloudJob';
import { commandError } from './commandError';
import { declareCommand } from './declaration';
import { parseOneArgument } from './oneArgument';
import { type ProjectCommandIO, projectCloud, runProjectJob } from './projects';
import { unknownIdText } from './unknownId';

type Resumable = { payload: DeployPayloadInput; from: string } | { error: string; code: number };

/**
 * The deploy to queue again for job `id`: its own payload when the queue still has the job (Redis keeps
 * them), else what the project's state file remembers of it (the job ran in a process that is gone), with
 * the blueprint as it is now — refused when that blueprint changed since, as the snapshot is lost.
 */
async function resumable(io: ProjectCommandIO, id: string): Promise<Resumable> {
  const opened = await openCloudCommandBus(io, projectCloud(io));
  if ('error' in opened) return { error: opened.error, code: exitCodes.unavailable };
  const job = await opened.bus.queue.get(id).finally(() => opened.bus.close());
  if (job) {
    if (job.kind !== 'deploy')
      return {
        error: `job ${id} is a ${job.kind} job; only a deploy is resumed (run the command again)`,
        code: exitCodes.usage,
      };
    if (!isFinished(job.status)) return { error: `job ${id} is still ${job.status}`, code: exitCodes.usage };
    if (job.status === 'completed')
      return { error: `job ${id} completed: there is nothing left to do`, code: exitCodes.usage };
    return {
      payload: resumePayload(job.payload as DeployPayload, id),
      from: `job ${id}'s own blueprint snapshot`,
    };
  }
  const entries = await loadProjects(io.workspace.dataDir);
  const entry = entries.find((e) => e.state?.lastJob?.jobId === id);
  const last = entry?.state?.lastJob;
  if (!entry || !last) {
    return {
      error: unknownIdText(
        'job',
        id,
        'infradeck jobs',
        "no project's state file names it as its last job either",
      ),
      code: exitCodes.usage,
    };
  }
  if (last.kind !== 'deploy')
    return {
      error: `job ${id} was a destroy of ${entry.name}; run infradeck destroy again`,
      code: exitCodes.usage,
    };
  if (entry.state?.status === 'done')
    return { error: `job ${id} finished ${entry.name}: nothing left to do`, code: exitCodes.usage };
  if (last.blueprintSha256 && last.blueprintSha256 !== entry.sha256) {
    return {
      error: `${entry.file} changed since job ${id} started and that job's snapshot is gone: deploy it again (infradeck deploy ${entry.name})`,
      code: exitCodes.usage,
    };
  }
  const payload = deployPayloadFor(entry, { readOnly: commandReadOnly(io) });
  if (!payload) return { error: `the blueprint of ${entry.name} is not valid`, code: exitCodes.usage };
  return {
    payload: { ...payload, deployId: last.deployId ?? `job-${id}`, resumeOf: id },
    from: `${entry.file} (unchanged since job ${id}), as the state file remembers the job`,
  };
}

export const resumeDeclaration = declareCommand({
  name: 'resume',
  summary: 'continue a deploy that stopped, creating nothing twice',
  description:
    'A deploy that stopped (failed, cancelled, its worker gone) is queued again with the same deploy id: it ' +
    'plans again against the state file and the cloud and does only what is left.',
  args: [{ name: 'JOB', help: 'the id of the deploy job' }],
  flags: { json: { type: 'boolean', help: 'the outcome as JSON' } },
  exits: {
    0: 'done',
    1: 'failed or refused',
    2: 'no job JOB, not a stopped deploy, or bad arguments',
    3: 'Redis unreachable',
    4: 'cancelled',
  },
  run: resumeCommand,
});

/** `infradeck resume JOB`: the deploy job JOB queued again with the same deploy id. */
export async function resumeCommand(argv: string[], io: ProjectCommandIO): Promise<number> {
  const parsed = parseOneArgument(resumeDeclaration, argv, 'give the id of the deploy job to resume', io);
  if (typeof parsed === 'number') return parsed;
  const { arg: id, values } = parsed;
  const json = wantsJson(io, values.json);
  const found = await resumable(io, id);
  if ('error' in found) return commandError({ ...io, json }, 'resume', found.error, found.code);
  if (!json)
    io.stderr.write(
      `resuming deploy ${found.payload.deployId} of ${found.payload.project} from ${found.from}\n`,
    );
  const { code, job } = await runProjectJob(
    io,
    projectCloud(io),
    { kind: 'deploy', payload: found.payload },
    json,
    'resume',
  );
  if (json && job) {
    const result = job.status === 'completed' ? (job.result as DeployResult) : undefined;
    io.stdout.write(
      `${JSON.stringify({ job: { id: job.id, status: job.status, error: job.error }, resumeOf: id, result }, null, 2)}\n`,
    );
  }
  return code;
}
