import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DeckConfig } from '../../domain/config';
import type { JobView } from '../../domain/job';
import type { PipelinePayload } from '../../domain/jobKinds/pipeline';
import type { PipelineDefinition } from '../../domain/pipeline';
import { type PipelineRunView, pipelineRunView, retrySteps } from '../../domain/pipelineRun';
import { type LocalPipelineSource, type PipelineFile, parsePipelineFile } from '../../domain/pipelineSource';
import type { SourceError } from '../../domain/sourceError';
import type { JobQueue } from '../bus/contracts';
import { childJobId } from '../bus/jobIds';
import type { Env } from '../storage/userPath';
import { isYamlName } from '../storage/watchFiles';
import { loadRepoEntries, workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';

/** Where a repository keeps its local pipeline. */
export const repoPipelineFile = join('.infradeck', 'pipeline.yaml');

/**
 * Every local pipeline: the workspace's `pipelines/*.yaml` (by file name), then the `.infradeck/pipeline.yaml` of
 * each repository of the Repositories tab (a repository's pipeline is named after the repository unless it says
 * `name:`). Each file read and checked; `errors`: the problems of finding the repositories. Never throws.
 */
export async function loadLocalPipelines(
  dataDir: string,
  config: DeckConfig,
  env: Env = process.env,
): Promise<{ pipelines: LocalPipelineSource[]; errors: SourceError[] }> {
  const paths = workspacePaths(dataDir);
  const pipelines: LocalPipelineSource[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(paths.pipelinesDir)).filter(isYamlName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      const file = paths.pipelinesDir;
      const errors = [{ file, line: 0, column: 0, path: '', message: fileErrorReason(error) }];
      pipelines.push({ origin: 'workspace', baseDir: paths.root, parsed: { ok: false, file, errors } });
    }
  }
  for (const name of names) {
    const read = await readPipelineFile(join(paths.pipelinesDir, name));
    if (read) pipelines.push({ origin: 'workspace', baseDir: paths.root, parsed: read });
  }
  const repos = await loadRepoEntries(dataDir, config, env);
  const found = await Promise.all(
    repos.entries.map(async (entry) => {
      const read = await readPipelineFile(join(entry.path, repoPipelineFile), entry.name);
      return read
        ? { origin: 'repo' as const, repo: entry.name, baseDir: entry.path, parsed: read }
        : undefined;
    }),
  );
  for (const p of found) if (p) pipelines.push(p);
  return { pipelines, errors: repos.errors };
}

/** The file checked; undefined when there is none. */
async function readPipelineFile(file: string, fallbackName?: string): Promise<PipelineFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return {
      ok: false,
      file,
      errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(error) }],
    };
  }
  return parsePipelineFile(file, text, fallbackName);
}

/** The payload of a run: the steps as the file says, each folder resolved against the pipeline's base folder. */
export function pipelinePayload(
  pipeline: PipelineDefinition,
  source: { file: string; repo?: string; baseDir: string },
): PipelinePayload {
  return {
    name: pipeline.name,
    source: { file: source.file, ...(source.repo ? { repo: source.repo } : {}) },
    steps: pipeline.steps.map((s) => ({
      name: s.name,
      program: s.program,
      args: s.args,
      shell: s.shell,
      needs: s.needs,
      env: s.env,
      cwd: resolve(source.baseDir, s.workdir ?? '.'),
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      attempts: s.attempts,
    })),
    kept: [],
  };
}

/**
 * A run as any process reads it: the job, and its children found by their ids (a step's job id comes from the
 * run's and the step's name). Undefined when there is no such job; `notPipeline` when it is of another kind.
 */
export async function loadPipelineRun(
  queue: Pick<JobQueue, 'get'>,
  id: string,
): Promise<{ run: PipelineRunView; children: JobView[] } | { notPipeline: JobView } | undefined> {
  const job = await queue.get(id);
  if (!job) return undefined;
  const payload = job.payload as Partial<PipelinePayload> | undefined;
  if (job.kind !== 'pipeline' || !Array.isArray(payload?.steps)) return { notPipeline: job };
  const found = await Promise.all(payload.steps.map((s) => queue.get(childJobId(id, s.name))));
  const children = found.filter((c): c is JobView => c !== undefined);
  const run = pipelineRunView(job, children);
  return run ? { run, children } : { notPipeline: job };
}

/**
 * A retry of a run that ended: the same steps, the ones that passed kept (copied as passed, not run again), the
 * failed, skipped and cancelled ones run again. Undefined when every step passed.
 */
export function retryPayload(run: PipelineRunView): PipelinePayload | undefined {
  const again = retrySteps(run);
  if (!again) return undefined;
  return {
    ...run.payload,
    retryOf: run.job.id,
    kept: again.kept.map((s) => ({
      name: s.name,
      ...(s.jobId ? { jobId: s.jobId } : {}),
      attempts: s.attempts,
      ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
    })),
  };
}
