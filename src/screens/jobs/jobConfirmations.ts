import { describeJob, isFinished, type JobView } from '../../domain/job';
import type { DeckActions } from '../../state/store';

export function askCancel(job: JobView, actions: DeckActions): void {
  if (isFinished(job.status)) {
    actions.notify('warn', `job ${job.id} is already ${job.status}`);
    return;
  }
  actions.confirm({
    title: `Cancel job ${job.id}?`,
    lines: [
      describeJob(job.kind, job.payload),
      `status ${job.status}; a running command is stopped with its children`,
    ],
    onYes: () => void actions.cancelJob(job.id),
  });
}

export function askRetry(job: JobView, actions: DeckActions): void {
  if (job.status !== 'failed' && job.status !== 'cancelled') {
    actions.notify('warn', `only a failed or cancelled job can be retried (job ${job.id} is ${job.status})`);
    return;
  }
  actions.confirm({
    title: `Retry job ${job.id}?`,
    lines: [describeJob(job.kind, job.payload), 'it is queued again with a fresh set of attempts'],
    onYes: () => void actions.retryJob(job.id),
  });
}
