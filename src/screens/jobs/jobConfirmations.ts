import { isFinished, type JobView } from '../../domain/job';
import { shownJobId } from '../../domain/scheduleTickId';
import type { JobSummaries } from '../../state/reducers/jobs';
import { jobWhat } from '../../state/selectors/jobs';
import type { DeckActions } from '../../state/store';

export function askCancel(job: JobView, actions: DeckActions, summaries?: JobSummaries): void {
  if (isFinished(job.status)) {
    actions.ui.notify('warn', `job ${shownJobId(job.id)} is already ${job.status}`);
    return;
  }
  actions.ui.confirm({
    title: `Cancel job ${shownJobId(job.id)}?`,
    lines: [jobWhat(job, summaries), `status ${job.status}; a running command is stopped with its children`],
    onYes: () => void actions.jobs.cancel(job.id),
  });
}

export function askRetry(job: JobView, actions: DeckActions, summaries?: JobSummaries): void {
  if (job.status !== 'failed' && job.status !== 'cancelled') {
    actions.ui.notify(
      'warn',
      `only a failed or cancelled job can be retried (job ${shownJobId(job.id)} is ${job.status})`,
    );
    return;
  }
  // A pipeline's run or step is not retried as a job: the run would re-read its failed step and fail at once, and
  // the step alone would neither count as new attempts nor start the steps that need it.
  const runId = job.kind === 'pipeline' ? job.id : job.kind === 'pipelineStep' ? job.parentId : undefined;
  if (runId !== undefined) {
    actions.ui.confirm({
      title: `Re-run the failed steps of pipeline run ${runId}?`,
      lines: [
        jobWhat(job, summaries),
        `a new run: the steps that passed are kept, the failed, skipped and cancelled ones run again${job.id === runId ? '' : ` (job ${job.id} is one of its steps)`}`,
      ],
      onYes: () => void actions.pipelines.retryRun(runId),
    });
    return;
  }
  actions.ui.confirm({
    title: `Retry job ${shownJobId(job.id)}?`,
    lines: [jobWhat(job, summaries), 'it is queued again with a fresh set of attempts'],
    onYes: () => void actions.jobs.retry(job.id),
  });
}
