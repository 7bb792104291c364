import type { JobSpec, Requester } from '../../domain/job';
import { type PipelinePayload, pipelineStepPayload } from '../../domain/jobKinds/pipeline';

/** How much longer than its own timeout a step's job may run before the bus ends it (the kill grace). */
const stepJobMarginMs = 10_000;

/** A step of a run as its child job: queued by the run, or by the step that was the last of its needs to pass. */
export function stepJobSpec(
  payload: PipelinePayload,
  step: PipelinePayload['steps'][number],
  requestedBy: Requester,
): JobSpec {
  return {
    kind: 'pipelineStep',
    payload: pipelineStepPayload(payload, step),
    requestedBy,
    attempts: step.attempts,
    ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs + stepJobMarginMs } : {}),
  };
}
