import type { JobView } from './job';
import type { PipelinePayload } from './jobKinds/pipeline';
import { attemptStartedAt } from './jobRuns';
import type { CiErrorKind, PipelineRun, PipelineSource, PipelineStatus } from './pipelineClient';
import { type LocalPipelineSource, localPipelineName } from './pipelineSource';
import type { RemoteRepo, RemoteRunsRow } from './remoteRepo';
import { formatSourceError } from './sourceError';

/**
 * One line of the Pipelines tab and of `infradeck pipelines`: a pipeline (a local pipeline, a GitHub workflow, a
 * repository's GitLab pipelines) with its recent runs, or a repository that cannot show any and why.
 */
export interface PipelineRow {
  /** Stable across refreshes: `local:FILE`, `github:HOST/PATH:WORKFLOW`, `gitlab:HOST/PATH`, `repo:NAME`. */
  key: string;
  source: PipelineSource;
  /** The repository's name in the Repositories tab; null for a workspace pipeline. */
  repo: string | null;
  remote?: RemoteRepo;
  /** The pipeline's or workflow's name; for a row with only a problem, the repository's. */
  pipeline: string;
  /** What a trigger names: the workflow file, `.gitlab-ci.yml`, the local pipeline name. */
  workflowFile?: string;
  /** Local pipelines: the file that defines it. */
  file?: string;
  /** Local pipelines: how many steps it has (null when the file is invalid). */
  steps?: number | null;
  /** Newest first: the last one is the row's status, all of them the sparkline. */
  runs: PipelineRun[];
  /** Why the row shows no runs, or no current ones: no remote, no token, an invalid file, the provider's error. */
  problem?: string;
  problemKind?: CiErrorKind | 'invalid' | 'no-remote' | 'missing';
}

/**
 * A row that has no runs to start or to show whatever a provider answers: its file is invalid, its clone has no CI
 * remote, or its clone is gone. (A provider's error is another matter: the last known runs are kept.)
 */
export function cannotRun(row: PipelineRow): boolean {
  return row.problemKind === 'invalid' || row.problemKind === 'no-remote' || row.problemKind === 'missing';
}

/**
 * What `infradeck pipeline run` and `:pipelines` take for the row: a local pipeline's name, `REPO:WORKFLOW` for a
 * remote one (`shop:ci.yml`, `infra:.gitlab-ci.yml`); null for a row with only a problem.
 */
export function pipelineTarget(row: PipelineRow): string | null {
  if (row.source === 'local') return row.pipeline;
  if (row.remote === undefined) return null;
  const file = row.workflowFile ?? (row.remote.provider === 'gitlab' ? '.gitlab-ci.yml' : '');
  return file ? `${row.repo}:${file}` : null;
}

/**
 * A local run's status in the words of the table: `running` from its start to its end, also while its steps wait
 * for their needs (the run's job then waits for its children); `waiting` while it waits for an approval.
 */
export function localRunStatus(job: JobView): PipelineStatus {
  switch (job.status) {
    case 'queued':
    case 'delayed':
      return 'queued';
    case 'approval_pending':
      return 'waiting';
    case 'completed':
      return 'passed';
    case 'cancelled':
    case 'rejected': // or expired unapproved: it never ran and never will
      return 'cancelled';
    case 'failed':
      return (job.result as { status?: unknown } | undefined)?.status === 'cancelled'
        ? 'cancelled'
        : 'failed';
    default:
      return 'running';
  }
}

/** A `pipeline` job as a run of the table. */
export function localRunOf(job: JobView, now: number): PipelineRun {
  const payload = job.payload as Partial<PipelinePayload> | undefined;
  const end = job.finishedAt ?? now;
  const started = attemptStartedAt(job);
  return {
    source: 'local',
    repo: payload?.source?.repo ?? '',
    id: job.id,
    workflow: payload?.name ?? '?',
    workflowFile: payload?.name,
    status: localRunStatus(job),
    who: `${job.requestedBy.user}@${job.requestedBy.host}`,
    event: job.schedule ? 'schedule' : payload?.retryOf ? 'retry' : 'manual',
    ...(started !== undefined ? { startedAt: started, durationMs: Math.max(0, end - started) } : {}),
  };
}

/**
 * The local pipelines, each with its runs among `jobs` (the `pipeline` jobs, newest first), matched by the file
 * that defined them.
 */
export function localPipelineRows(
  pipelines: readonly LocalPipelineSource[],
  jobs: readonly JobView[],
  now: number,
  runsPerRow = 10,
): PipelineRow[] {
  const byFile = new Map<string, JobView[]>();
  for (const job of jobs) {
    const file = (job.payload as Partial<PipelinePayload> | undefined)?.source?.file;
    if (typeof file !== 'string') continue;
    const list = byFile.get(file) ?? [];
    if (list.length < runsPerRow) list.push(job);
    byFile.set(file, list);
  }
  return pipelines.map((p): PipelineRow => {
    const name = localPipelineName(p);
    return {
      key: `local:${p.parsed.file}`,
      source: 'local',
      repo: p.repo ?? null,
      pipeline: name,
      workflowFile: name,
      file: p.parsed.file,
      steps: p.parsed.ok ? p.parsed.pipeline.steps.length : null,
      runs: (byFile.get(p.parsed.file) ?? []).map((j) => localRunOf(j, now)),
      ...(p.parsed.ok
        ? {}
        : { problem: p.parsed.errors.map(formatSourceError).join('; '), problemKind: 'invalid' as const }),
    };
  });
}

/**
 * The remote repositories' runs, one row per workflow (GitHub) or per repository (GitLab: one pipeline definition),
 * newest run first; a repository with no runs to show gets one row that says why (or that it has none yet).
 */
export function remotePipelineRows(rows: readonly RemoteRunsRow[], runsPerRow = 10): PipelineRow[] {
  const out: PipelineRow[] = [];
  for (const row of rows) {
    const remote = row.remote;
    if (!remote || row.reason !== undefined || !row.runs) {
      out.push({
        key: remote ? `${remote.provider}:${remote.host}/${remote.path}` : `repo:${row.name}`,
        source: remote?.provider ?? 'github',
        repo: row.name,
        ...(remote ? { remote } : {}),
        pipeline: row.name,
        runs: [],
        problem: row.reason ?? 'no runs',
        problemKind: row.kind ?? 'no-remote',
      });
      continue;
    }
    const groups = new Map<string, PipelineRun[]>();
    for (const run of row.runs) {
      const group = remote.provider === 'gitlab' ? '' : (run.workflowFile ?? run.workflow);
      const list = groups.get(group) ?? [];
      if (list.length < runsPerRow) list.push(run);
      groups.set(group, list);
    }
    const base = `${remote.provider}:${remote.host}/${remote.path}`;
    if (groups.size === 0) {
      out.push({ key: base, source: remote.provider, repo: row.name, remote, pipeline: row.name, runs: [] });
      continue;
    }
    for (const [group, runs] of groups) {
      out.push({
        key: group ? `${base}:${group}` : base,
        source: remote.provider,
        repo: row.name,
        remote,
        pipeline: runs[0].workflow,
        ...(runs[0].workflowFile ? { workflowFile: runs[0].workflowFile } : {}),
        runs: [...runs].sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0)),
      });
    }
  }
  return out;
}

/**
 * A refresh's rows over the last ones: a row whose provider failed this time keeps the runs it had, marked with
 * the failure (stale), so a network blip or an expired token never empties the table.
 */
export function keepLastKnown(previous: readonly PipelineRow[], next: readonly PipelineRow[]): PipelineRow[] {
  const before = new Map<string, PipelineRow[]>();
  for (const row of previous) {
    if (row.runs.length === 0) continue;
    const repoKey = row.repo ?? row.key;
    before.set(repoKey, [...(before.get(repoKey) ?? []), row]);
  }
  const out: PipelineRow[] = [];
  for (const row of next) {
    const failed = row.problem !== undefined && !cannotRun(row) && row.runs.length === 0;
    const kept = failed && row.repo !== null ? before.get(row.repo) : undefined;
    if (!kept) {
      out.push(row);
      continue;
    }
    for (const old of kept)
      out.push({
        ...old,
        problem: row.problem,
        ...(row.problemKind ? { problemKind: row.problemKind } : {}),
      });
  }
  return out;
}

/** The repository's last run over all its pipelines (the Repositories tab's CI column). */
export function lastRunOfRepo(rows: readonly PipelineRow[], repo: string): PipelineRun | undefined {
  let last: PipelineRun | undefined;
  for (const row of rows) {
    if (row.repo !== repo) continue;
    const run = row.runs[0];
    if (run && (!last || (run.startedAt ?? 0) > (last.startedAt ?? 0))) last = run;
  }
  return last;
}
