import type { JobView } from '../domain/job';
import { formatDuration } from '../domain/jobText';
import type { PipelineSource, PipelineStatus } from '../domain/pipelineClient';
import { localPipelineRows, type PipelineRow, pipelineTarget } from '../domain/pipelineRows';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import { formatAge, stripControl } from '../domain/text';
import { exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { loadLocalPipelines } from '../services/pipelines/localPipelines';
import { type HeadlessIO, parseCommand, usageError } from './declaration';
import { runNotation } from './pipelineRemoteNotation';
import { pipelinesDeclaration } from './pipelines';
import { printTable, terminalWidth } from './printTable';
import { type ErrorJson, sourceErrorsJson } from './sourceErrorsJson';

/** A row of `infradeck pipelines --json`: a local pipeline, a remote workflow, or a repository that has none. */
export interface PipelineListRow {
  /** Null for a repository whose origin is not on GitHub or a known GitLab host. */
  source: PipelineSource | null;
  /** The pipeline's or workflow's name; for a row with only a problem, the repository's. */
  name: string;
  /** What `infradeck pipeline run` takes: the local name, or `REPO:WORKFLOW`; null when nothing can be run. */
  target: string | null;
  repo: string | null;
  /** A local pipeline's file; a remote workflow's file (`ci.yml`, `.gitlab-ci.yml`). */
  file: string | null;
  /** A local pipeline's steps (null when its file is invalid or for a remote workflow). */
  steps: number | null;
  lastRun: {
    /** A local run's job id, or a remote run as `REPO#RUN`. */
    run: string;
    status: PipelineStatus;
    startedAt: number | null;
    durationMs: number | null;
    branch?: string;
    commit?: string;
    event?: string;
    who?: string;
    url?: string;
  } | null;
  /** A local pipeline file's errors, located. */
  errors: ErrorJson[];
  /** Why the row shows no runs: no remote, no token (and what gives one), the provider's failure, disabled. */
  problem?: string;
  problemKind?: string;
}

/** `infradeck pipelines [--json]`: the local pipelines, then each repository's remote workflows. */
export async function pipelinesCommand(argv: string[], io: HeadlessIO): Promise<number> {
  let json: boolean;
  try {
    json = wantsJson(io, parseCommand(pipelinesDeclaration, argv).values.json);
  } catch (error) {
    return usageError(pipelinesDeclaration, io, error);
  }
  const local = await localListRows(io);
  const { remoteListRows } = await import('./pipelineRemoteRows');
  const remote = await remoteListRows(io);
  const rows = [
    ...local.rows,
    ...remote.rows.map((r) => ({
      ...listRowOf(r.row),
      ...(r.noToken ? { problemKind: 'no-token' } : {}),
      ...(r.disabled ? { problem: 'disabled on GitHub', problemKind: 'disabled' } : {}),
    })),
  ];
  // The problems on stderr with --json too, as every list command says them: stderr is for the person.
  for (const e of local.errors) io.stderr.write(`${e}\n`);
  for (const f of remote.failures) io.stderr.write(`infradeck pipelines: ${stripControl(f)}\n`);
  if (json) {
    const errors = sourceErrorsJson([...local.located, ...remote.failures]);
    io.stdout.write(`${JSON.stringify({ pipelines: rows, errors }, null, 2)}\n`);
  } else {
    if (rows.length === 0) {
      io.stdout.write(
        `No pipelines. Add one as ${io.workspace.dataDir}/pipelines/NAME.yaml, or as .infradeck/pipeline.yaml in a repository; repositories on GitHub or GitLab show their workflows here.\n`,
      );
    } else {
      printRows(io, rows);
    }
  }
  if (local.invalid) return exitCodes.usage;
  return remote.failures.length > 0 ? exitCodes.failed : exitCodes.ok;
}

function printRows(io: HeadlessIO, rows: PipelineListRow[]) {
  const now = Date.now();
  printTable(
    io.stdout,
    ['SOURCE', 'PIPELINE', 'REPO', 'STEPS', 'LAST RUN', 'STATUS', 'BRANCH', 'AGE', 'TOOK'],
    rows.map((r) => [
      r.source ?? '-',
      stripControl(r.target ?? r.name),
      r.repo ?? '-',
      r.steps === null ? '-' : String(r.steps),
      r.lastRun?.run ?? '-',
      statusText(r),
      stripControl(r.lastRun?.branch ?? '-'),
      r.lastRun?.startedAt ? formatAge(now - r.lastRun.startedAt) : '-',
      r.lastRun?.durationMs != null ? formatDuration(r.lastRun.durationMs) : '-',
    ]),
    // The branch is cut first, then the step count and the age go; the pipeline, repository, run and status stay
    // whole.
    {
      width: terminalWidth(io),
      giveWay: [
        { column: 'BRANCH', min: 16 },
        { column: 'STEPS', hide: true },
        { column: 'AGE', hide: true },
        { column: 'BRANCH', min: 8 },
        { column: 'TOOK', hide: true },
      ],
    },
  );
  // Rows that cannot show runs say why below the table: a reason is too long for a column.
  for (const r of rows) {
    if (!r.problem || !['no-remote', 'no-token', 'missing'].includes(r.problemKind ?? '')) continue;
    io.stdout.write(`${r.repo ?? r.name}: ${stripControl(r.problem)}\n`);
  }
}

const problemWords: Record<string, string> = {
  invalid: 'invalid',
  'no-remote': 'no CI',
  missing: 'missing',
  'no-token': 'no token',
  disabled: 'disabled',
  'rate-limited': 'rate limited',
  network: 'unreachable',
  'not-found': 'not found',
  auth: 'refused',
};

function statusText(r: PipelineListRow): string {
  if (r.errors.length > 0) return 'invalid';
  if (r.lastRun) return r.lastRun.status;
  if (r.problemKind) return problemWords[r.problemKind] ?? 'error';
  return 'never run';
}

/** A row of the model the Pipelines tab shows, as `infradeck pipelines --json` prints it. */
function listRowOf(row: PipelineRow): PipelineListRow {
  const last = row.runs[0];
  const local = row.source === 'local';
  return {
    source: local || row.remote ? row.source : null,
    name: row.pipeline,
    target: pipelineTarget(row),
    repo: row.repo,
    file: row.file ?? (row.remote ? (row.workflowFile ?? null) : null),
    steps: row.steps ?? null,
    lastRun: last
      ? {
          run: local ? last.id : runNotation(row.repo ?? '', last.id),
          status: last.status,
          startedAt: last.startedAt ?? null,
          // A local run still going has no duration yet: the table's TOOK is for runs that ended.
          durationMs: local && !isEnded(last.status) ? null : (last.durationMs ?? null),
          ...(last.branch ? { branch: last.branch } : {}),
          ...(last.commit ? { commit: last.commit } : {}),
          ...(last.event ? { event: last.event } : {}),
          ...(last.who ? { who: last.who } : {}),
          ...(last.url ? { url: last.url } : {}),
        }
      : null,
    errors: [],
    ...(row.problem !== undefined ? { problem: row.problem } : {}),
    ...(row.problemKind !== undefined ? { problemKind: row.problemKind } : {}),
  };
}

function isEnded(status: PipelineStatus): boolean {
  return status !== 'running' && status !== 'queued' && status !== 'waiting';
}

/** The local pipelines, each with its last run (when the bus can be reached; else a note and no runs). */
async function localListRows(io: HeadlessIO) {
  const { pipelines, errors: repoErrors } = await loadLocalPipelines(
    io.workspace.dataDir,
    io.workspace.config,
    io.env,
  );
  const located: (SourceError | string)[] = [...repoErrors];
  for (const p of pipelines) if (!p.parsed.ok) located.push(...p.parsed.errors);
  const invalid = located.length > 0;
  const notes: string[] = [];
  const jobs = await lastRuns(io, notes);
  located.push(...notes);
  const errors = located.map((e) => (typeof e === 'string' ? e : formatSourceError(e)));
  const rows = localPipelineRows(pipelines, jobs, Date.now(), 1).map((row, i) => {
    const parsed = pipelines[i].parsed;
    return { ...listRowOf(row), errors: parsed.ok ? [] : sourceErrorsJson(parsed.errors) };
  });
  return { rows, errors, located, invalid };
}

/** The latest pipeline runs, newest first; none (with a note) when the bus cannot be reached. */
async function lastRuns(io: HeadlessIO, notes: string[]): Promise<JobView[]> {
  const opened = await openCommandBus(io);
  if ('error' in opened) {
    notes.push(`last runs not shown: ${opened.error}`);
    return [];
  }
  try {
    return await opened.bus.queue.list({ kind: 'pipeline', limit: 500 });
  } catch (error) {
    notes.push(`last runs not shown: ${(error as Error).message}`);
    return [];
  } finally {
    await opened.bus.close();
  }
}
