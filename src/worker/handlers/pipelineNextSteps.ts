import type { PipelinePayload, PipelineStepResult } from '../../domain/jobKinds/pipeline';
import type { JobContext } from '../../services/bus/contracts';
import { errorMessage } from '../../services/bus/executeJob';
import { stepJobSpec } from './pipelineStepSpec';

/**
 * A step that passed notes it on its run and queues the steps it was the last need of: they start at once, not
 * when the run next wakes, which BullMQ does only once every running step has ended (a quick step's dependents
 * would wait for a slow step they do not need). The note and the reading of the others' are one atomic step, so of
 * two needs passing at once the later queues the dependent. The run's progress counts the steps that passed. Best
 * effort: the run queues whatever is ready when it wakes, so a step that could not queue them still passed.
 */
export async function startNextSteps(
  stepName: string,
  result: PipelineStepResult,
  ctx: JobContext,
): Promise<void> {
  const parent = ctx.flow.parent;
  if (!parent) return;
  try {
    const run = await parent.job();
    if (run?.kind !== 'pipeline') return;
    const payload = run.payload as PipelinePayload;
    const dependents = payload.steps.filter((s) => s.needs.includes(stepName));
    const kept = new Set(payload.kept.map((k) => k.name));
    const others = new Set(dependents.flatMap((d) => d.needs).filter((n) => n !== stepName && !kept.has(n)));
    const noted = await parent.note(stepName, result, [...others]);
    if (!noted) return;
    const passed = new Set([stepName, ...kept, ...noted.notes.keys()]);
    const ready = dependents.filter((d) => d.needs.every((n) => passed.has(n)));
    const names = ready.map((d) => d.name);
    if (ready.length > 0) {
      await parent.addChildren(
        ready.map((d) => ({ key: d.name, spec: stepJobSpec(payload, d, ctx.requestedBy) })),
      );
    }
    parent.progress(
      Math.min(noted.count + kept.size, payload.steps.length),
      payload.steps.length,
      names.length > 0 ? `running ${names.join(', ')}` : `${stepName} passed`,
    );
    if (ready.length === 0) return;
    await ctx.log(`started ${names.join(', ')}: every step they need passed`, 'info');
  } catch (error) {
    await ctx
      .log(`the steps after ${stepName} start when the run wakes: ${errorMessage(error)}`, 'info')
      .catch(() => {});
  }
}
