import type { JobSpec, Requester } from '../../domain/job';
import type { PipelinePayload } from '../../domain/jobKinds/pipeline';
import { type LocalPipelineSource, localPipelineName } from '../../domain/pipelineSource';
import { formatSourceError } from '../../domain/sourceError';
import { pipelinePayload } from './localPipelines';

/**
 * The payload of a run of the local pipeline called `name`, or what to tell the person instead: an unknown name,
 * a name two files give, a file with errors (with positions). `repo`: only that repository's pipeline (the
 * Pipelines tab knows which row it is on); undefined: any. What `infradeck pipeline run NAME` and the tab's `t`
 * both start, so they start the same thing.
 */
export function findLocalPipeline(
  pipelines: readonly LocalPipelineSource[],
  name: string,
  opts: { repo?: string | null } = {},
): { payload: PipelinePayload } | { errors: string[] } {
  const named = pipelines.filter(
    (p) => localPipelineName(p) === name && (opts.repo === undefined || (p.repo ?? null) === opts.repo),
  );
  if (named.length === 0) {
    const names = [...new Set(pipelines.map(localPipelineName))].join(', ') || 'none';
    return { errors: [`no pipeline "${name}" (pipelines: ${names})`] };
  }
  if (named.length > 1) {
    return {
      errors: [
        `"${name}" names ${named.length} pipelines (${named.map((p) => p.parsed.file).join(', ')}); give one of them its own \`name:\``,
      ],
    };
  }
  const [found] = named as [LocalPipelineSource];
  if (!found.parsed.ok) return { errors: found.parsed.errors.map(formatSourceError) };
  return {
    payload: pipelinePayload(found.parsed.pipeline, {
      file: found.parsed.file,
      ...(found.repo ? { repo: found.repo } : {}),
      baseDir: found.baseDir,
    }),
  };
}

/** The job that runs a pipeline (or retries one): refused by the queue, and audited, when `readOnly`. */
export function localRunSpec(payload: PipelinePayload, requestedBy: Requester, readOnly: boolean): JobSpec {
  return { kind: 'pipeline', payload, requestedBy, ...(readOnly ? { readOnly: true } : {}) };
}
