import { didYouMean } from '../domain/didYouMean';
import type { DeckEvent } from '../domain/event';
import type { JobSpec, JobView } from '../domain/job';
import type { DeployPlan } from '../domain/plan';
import { planHeadline, planLines } from '../domain/planLines';
import { type ProjectRow, projectRow } from '../domain/projectRow';
import { formatSourceError } from '../domain/sourceError';
import { stripControl } from '../domain/text';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import { currentRequester } from '../services/bus/requester';
import type { OpenedCloud } from '../services/cloud/openCloud';
import { loadProjects, type ProjectEntry } from '../services/projects/loadProjects';
import { lookUpProject } from '../services/projects/lookUpProject';
import { workspacePaths } from '../services/storage/workspace';
import {
  type CloudCommandIO,
  CommandCloud,
  describeCloud,
  jobExitCode,
  jobOutcome,
  openCloudCommandBus,
  printJobLog,
  runCloudJob,
} from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { sourceErrorsJson } from './sourceErrorsJson';

/** The project commands' IO: the cloud commands' one, and (for tests) a cloud to use instead of opening one. */
export interface ProjectCommandIO extends CloudCommandIO {
  openCloud?: () => Promise<OpenedCloud>;
}

class GivenCloud extends CommandCloud {
  constructor(
    io: CloudCommandIO,
    private readonly given: () => Promise<OpenedCloud>,
  ) {
    super(io);
  }
  override open(): Promise<OpenedCloud> {
    return this.given();
  }
}

/** The cloud of `--demo`/`--profile`/`--region`, shared with the jobs this process runs itself. */
export function projectCloud(io: ProjectCommandIO): CommandCloud {
  return io.openCloud ? new GivenCloud(io, io.openCloud) : new CommandCloud(io);
}

export type FoundProject = { entry: ProjectEntry } | { error: string };

/**
 * The project of that name (or file name) in the workspace, or why there is none: `no project named shpo in
 * DIR (did you mean shop? projects: analytics, shop)`.
 */
export async function findProject(dataDir: string, name: string): Promise<FoundProject> {
  const entries = await loadProjects(dataDir);
  const entry =
    entries.find((e) => e.name === name) ??
    entries.find((e) => e.file.replace(/^.*\//, '').replace(/\.ya?ml$/, '') === name);
  if (entry) return { entry };
  const dir = workspacePaths(dataDir).projectsDir;
  return {
    error: `no project named ${name} in ${dir}${knownProjectsText(
      name,
      entries.map((e) => e.name),
    )}`,
  };
}

/** ` (did you mean shop? projects: analytics, shop)`, or ` (it has none)`: what follows "no project named X". */
export function knownProjectsText(name: string, names: readonly string[]): string {
  if (names.length === 0) return ' (it has none)';
  const near = didYouMean(name, names, Math.max(1, Math.floor(name.length / 3)));
  return ` (${near ? `did you mean ${near}? ` : ''}projects: ${names.join(', ')})`;
}

/** Every problem of the project's blueprint and state file, located. */
export function entryErrors(entry: ProjectEntry): string[] {
  return [...entry.errors, ...entry.stateErrors].map(formatSourceError);
}

/** The plan for people: its headline, then `planLines`, as the console shows them. */
export function planText(plan: DeployPlan): string[] {
  return [planHeadline(plan), ...planLines(plan, 'confirm with --confirm NAME').map((l) => l.text)];
}

/** The plan for scripts. */
export function planJson(plan: DeployPlan) {
  return {
    project: plan.project,
    region: plan.region,
    sync: plan.sync,
    summary: plan.summary,
    actions: plan.actions.map((a) => ({
      key: a.key,
      kind: a.kind,
      logicalId: a.logicalId,
      type: a.type,
      title: a.title,
      after: a.after,
      ...(a.count !== undefined ? { count: a.count } : {}),
      ...(a.changes ? { changes: a.changes } : {}),
      ...(a.blocked ? { blocked: a.blocked } : {}),
      ...(a.existing ? { existing: a.existing.map((r) => r.id) } : {}),
    })),
    unchanged: plan.unchanged,
    vanished: plan.vanished.map((v) => ({ logicalId: v.logicalId, id: v.id })),
    unmanaged: plan.unmanaged.map((r) => ({ type: r.type, id: r.id })),
    blockers: plan.blockers,
    needsConfirmation: plan.needsConfirmation,
  };
}

/**
 * Queues a deploy or destroy job and follows it: each step to stdout as it is done, notes to stderr. Returns
 * the exit code (0 completed, 1 failed or refused, 3 Redis unreachable, 4 cancelled) and the job.
 */
export async function runProjectJob(
  io: ProjectCommandIO,
  cloud: CommandCloud,
  spec: Pick<JobSpec, 'kind' | 'payload'>,
  json: boolean,
  name: string,
): Promise<{ code: number; job?: JobView }> {
  const opened = await openCloudCommandBus(io, cloud);
  if ('error' in opened) {
    io.stderr.write(`infradeck ${name}: ${opened.error}\n`);
    return { code: exitCodes.unavailable };
  }
  const { bus } = opened;
  try {
    const onEvent = (e: DeckEvent) => {
      if (json) return;
      if (e.type === 'job.progress') {
        const d = e.data as { step?: number; total?: number } | undefined;
        io.stdout.write(`[${d?.step ?? '?'}/${d?.total ?? '?'}] ${stripControl(e.message)}\n`);
      } else printJobLog(io, e);
    };
    const run = await runCloudJob(
      bus,
      { ...spec, requestedBy: currentRequester(io.env) } as JobSpec,
      io,
      onEvent,
      { quiet: json, command: name },
    );
    if ('error' in run) {
      io.stderr.write(`infradeck ${name}: ${run.error}\n`);
      return { code: run.code };
    }
    if (!json) io.stderr.write(`${jobOutcome(run.job)}\n`);
    return { code: jobExitCode(run.job), job: run.job };
  } finally {
    await bus.close();
  }
}

export const projectsDeclaration = declareCommand({
  name: 'projects',
  summary: 'blueprints with state, status and sync (looked up in the cloud)',
  description:
    'Every blueprint of the workspace with its state (from its state file), status and sync status (its ' +
    'resources looked up in the cloud now, by tag).',
  args: [],
  flags: { json: { type: 'boolean', help: 'the projects as JSON' } },
  exits: {
    0: 'every blueprint is valid',
    1: 'the cloud could not be asked',
    2: 'a blueprint is not valid (each problem is printed, located), or bad arguments',
  },
  run: projectsCommand,
});

/** `infradeck projects [--json]`: every blueprint with its state, status and sync status. */
export async function projectsCommand(argv: string[], io: ProjectCommandIO): Promise<number> {
  let values: { json?: boolean };
  try {
    ({ values } = parseCommand(projectsDeclaration, argv));
  } catch (error) {
    return usageError(projectsDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const entries = await loadProjects(io.workspace.dataDir);
  const cloud = projectCloud(io);
  let problem: string | undefined;
  let opened: OpenedCloud | undefined;
  try {
    opened = await cloud.open();
    problem = opened.problem;
  } catch (error) {
    problem = (error as Error).message;
  }
  const rows: ProjectRow[] = await Promise.all(
    entries.map(async (entry) => {
      const region = entry.blueprint?.region ?? entry.state?.region;
      if (!opened || problem || !region) return projectRow(entry, []);
      try {
        return projectRow(
          entry,
          await lookUpProject(opened.provider, entry.name, region, undefined, entry.state),
        );
      } catch (error) {
        problem ??= (error as Error).message;
        return projectRow(entry, []);
      }
    }),
  );
  // Without the cloud the sync status would be a guess: it is left out.
  const shown = problem ? rows.map((r) => ({ ...r, sync: undefined })) : rows;
  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          cloud: opened && !problem ? describeCloud(opened) : undefined,
          problem,
          projects: shown.map(({ plan, ...r }, i) => ({
            ...r,
            // Located, as every command's --json gives its errors (`{file, line, column, path, message, text}`).
            errors: sourceErrorsJson([...entries[i].errors, ...entries[i].stateErrors]),
            plan: plan ? { summary: plan.summary, sync: plan.sync, blockers: plan.blockers } : undefined,
          })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    if (opened && !problem) io.stderr.write(`sync against ${describeCloud(opened)}\n`);
    printTable(
      io.stdout,
      ['PROJECT', 'PROTECTED', 'STATE', 'STATUS', 'SYNC', 'REGION', 'OWNER', 'LAST JOB'],
      shown.map((r) => [
        stripControl(r.name),
        r.protected ? 'yes' : '',
        r.lifecycle ?? '-',
        r.status,
        r.sync ?? (r.errors.length && !r.plan ? 'invalid' : '-'),
        r.region ?? '-',
        stripControl(r.owner ?? ''),
        r.lastJob
          ? `${r.lastJob.rollback ? 'rollback' : r.lastJob.kind} ${r.lastJob.jobId}${r.lastJob.error ? ' failed' : r.lastJob.finishedAt ? ' done' : ' stopped'}`
          : '',
      ]),
      // The owner gives way first, then the last job (hidden, not cut: it names a job id); name, state, status,
      // sync and region stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'OWNER', min: 12 },
          { column: 'OWNER', hide: true },
          { column: 'LAST JOB', hide: true },
          { column: 'PROTECTED', hide: true },
        ],
      },
    );
  }
  // Said on stderr with --json too, as every list command says its problems: stderr is for the person.
  for (const r of shown) for (const e of r.errors) io.stderr.write(`${stripControl(e)}\n`);
  if (problem) io.stderr.write(`infradeck projects: could not ask the cloud (${problem}): no sync status\n`);
  if (rows.some((r) => r.errors.length > 0)) return exitCodes.usage;
  return problem ? exitCodes.failed : exitCodes.ok;
}
