import {
  type JobFilter,
  type JobLogLine,
  type JobSpec,
  type JobView,
  isFinished as jobFinished,
  type Requester,
} from '../../domain/job';
import type { PipelinePayload } from '../../domain/jobKinds/pipeline';
import {
  CiError,
  type JobLog,
  type JobRef,
  type ListRunsOptions,
  type PipelineClient,
  type PipelineJob,
  type PipelineRun,
  type PipelineStatus,
  type RunRef,
  type TriggerOutcome,
  type TriggerRequest,
  type Workflow,
} from '../../domain/pipelineClient';
import type { StepStatus } from '../../domain/pipelineDag';
import { localRunOf } from '../../domain/pipelineRows';
import { reportedRun } from '../../domain/pipelineRun';
import { type LocalPipelineSource, localPipelineName } from '../../domain/pipelineSource';
import { stripControl } from '../../domain/text';
import { findLocalPipeline, localRunSpec } from './localPipelineRequest';
import { loadPipelineRun, retryPayload } from './localPipelines';

/** What the local source needs of the worker layer: the console's queue or a command's. */
export interface LocalQueue {
  enqueue(spec: JobSpec): Promise<string>;
  cancel(id: string, by?: Requester): Promise<void>;
  list(filter?: JobFilter): Promise<JobView[]>;
  get?(id: string): Promise<JobView | undefined>;
  logs(id: string, opts?: { tail?: number }): Promise<JobLogLine[]>;
}

export interface LocalClientOptions {
  queue: LocalQueue;
  /** Who the runs it starts are asked for by. */
  requester: Requester;
  /** The queue refuses (and audits) a start or a retry in read-only mode; a cancel is refused here. */
  readOnly: boolean;
  /** The local pipelines as the files say now (read at each trigger: an edit counts at once). */
  pipelines(): Promise<LocalPipelineSource[]>;
  now?: () => number;
}

/** Pipeline jobs read per `listRuns` at most: the runs of every local pipeline, newest first. */
const listedRuns = 500;

const stepStatus: Record<StepStatus, PipelineStatus> = {
  pending: 'waiting',
  running: 'running',
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/**
 * Local pipelines as a `PipelineClient`, over the job queue: a run is a `pipeline` job, its jobs are its steps
 * (the `pipelineStep` children), a step's log is its child job's output. `repo` is the repository's name, `''`
 * for a workspace pipeline; `workflow` the pipeline's name. Starting, retrying and cancelling go to the queue
 * like `infradeck pipeline run|retry|cancel`, as this client's requester.
 */
export class LocalPipelineClient implements PipelineClient {
  readonly source = 'local' as const;
  private readonly now: () => number;

  constructor(private readonly opts: LocalClientOptions) {
    this.now = opts.now ?? Date.now;
  }

  quota(): undefined {
    return undefined;
  }

  async listRuns(repo: string, opts: ListRunsOptions): Promise<PipelineRun[]> {
    const jobs = await this.opts.queue.list({ kind: 'pipeline', limit: listedRuns });
    const now = this.now();
    const runs: PipelineRun[] = [];
    for (const job of jobs) {
      const payload = job.payload as Partial<PipelinePayload> | undefined;
      if ((payload?.source?.repo ?? '') !== repo) continue;
      if (opts.workflow !== undefined && payload?.name !== opts.workflow) continue;
      runs.push(localRunOf(job, now));
      if (runs.length >= opts.limit) break;
    }
    return runs;
  }

  async workflows(repo: string): Promise<Workflow[]> {
    const pipelines = await this.opts.pipelines();
    return pipelines
      .filter((p) => (p.repo ?? '') === repo)
      .map((p) => {
        const name = localPipelineName(p);
        return { repo, workflow: name, name, triggerable: p.parsed.ok };
      });
  }

  /**
   * One job per step, in the file's order: its status, when it started, how long it took (or runs so far). A step
   * with no job yet waits (for the needs it names, or for its run to queue it); one whose job no worker took yet
   * is queued.
   */
  async runJobs(run: RunRef): Promise<PipelineJob[]> {
    const loaded = await this.load(run.id);
    const children = new Map(loaded.children.map((c) => [c.childKey, c]));
    const passed = new Set(loaded.run.steps.filter((s) => s.status === 'passed').map((s) => s.name));
    const needs = new Map(loaded.run.payload.steps.map((s) => [s.name, s.needs]));
    const now = this.now();
    // As `pipeline status` tells them: a step no worker took yet is pending, with a job (queued) or without (waiting).
    return reportedRun(loaded.run, loaded.children).steps.map((s): PipelineJob => {
      const child = children.get(s.name);
      const status = s.status === 'pending' && child ? 'queued' : stepStatus[s.status];
      const running = status === 'running' && child?.startedAt !== undefined;
      return {
        repo: run.repo,
        id: s.jobId ?? '',
        runId: run.id,
        name: s.name,
        ...(s.kept ? { stage: 'kept' } : {}),
        status,
        ...(s.status === 'pending' && !child
          ? { waitsFor: (needs.get(s.name) ?? []).filter((n) => !passed.has(n)) }
          : {}),
        ...(child?.startedAt !== undefined ? { startedAt: child.startedAt } : {}),
        ...(s.durationMs !== undefined
          ? { durationMs: s.durationMs }
          : running
            ? { durationMs: Math.max(0, now - (child?.startedAt ?? now)) }
            : {}),
        steps: [],
      };
    });
  }

  /** The step's output as its job kept it (the last 1,000 lines); complete once the job ended. */
  async jobLog(job: JobRef): Promise<JobLog> {
    const [lines, view] = await Promise.all([this.opts.queue.logs(job.id), this.opts.queue.get?.(job.id)]);
    const complete = view === undefined || jobFinished(view.status);
    return {
      lines: lines.map((l) => stripControl(l.text)),
      complete,
      ...(lines.length === 0 ? { note: view ? 'no output yet' : `step job ${job.id} has not started` } : {}),
    };
  }

  /** Starts the pipeline `request.workflow` of `repo` (`''`: the workspace's) as the files say now. No inputs. */
  async trigger(repo: string, request: TriggerRequest): Promise<TriggerOutcome> {
    const found = findLocalPipeline(await this.opts.pipelines(), request.workflow, { repo: repo || null });
    if ('errors' in found) throw new CiError('invalid', `${request.workflow}: ${found.errors.join('; ')}`);
    const id = await this.opts.queue.enqueue(
      localRunSpec(found.payload, this.opts.requester, this.opts.readOnly),
    );
    return { run: { repo, id }, message: `run ${id} of ${found.payload.name} started` };
  }

  async rerunFailed(run: RunRef): Promise<void> {
    await this.retry(run);
  }

  /** A new run of the run's failed, skipped and cancelled steps, the passed ones kept; its id. */
  async retry(run: RunRef): Promise<string> {
    const loaded = await this.load(run.id);
    if (loaded.run.status === 'running')
      throw new CiError('conflict', `run ${run.id} is still running: cancel it first, or wait for its end`);
    const payload = retryPayload(loaded.run);
    if (!payload) throw new CiError('conflict', `run ${run.id}: every step passed, nothing to run again`);
    return this.opts.queue.enqueue(localRunSpec(payload, this.opts.requester, this.opts.readOnly));
  }

  async cancel(run: RunRef): Promise<void> {
    if (this.opts.readOnly)
      throw new CiError('invalid', `cancel run ${run.id}: refused, infradeck runs read-only (--readonly)`);
    await this.opts.queue.cancel(run.id, this.opts.requester);
  }

  private async load(id: string) {
    const queue = this.opts.queue;
    if (!queue.get) throw new CiError('provider', `run ${id}: this worker layer cannot read one job`);
    const loaded = await loadPipelineRun({ get: (jobId) => queue.get!(jobId) }, id);
    if (!loaded) throw new CiError('not-found', `run ${id}: no such job in the queue`);
    if ('notPipeline' in loaded)
      throw new CiError('invalid', `job ${id} is a ${loaded.notPipeline.kind} job, not a pipeline run`);
    return loaded;
  }
}
