import { canChange } from '../domain/job';
import type { OfferedJob, OfferSpec } from '../state/slices/assistant';
import type { DeckActions } from '../state/store';

/**
 * Offers a job from the assistant's views (a proposal of the answer, an advisor's suggestion): it runs only after
 * the person confirms it; a payload that carries its own confirmation (`terminate`'s count) is typed. Read-only,
 * a kind that changes things is handed to the queue as read-only, which refuses it and audits the refusal; the
 * view says so.
 */
export function offerJob(
  spec: OfferSpec,
  opts: { actions: DeckActions; readOnly: boolean; title: string; note?: string },
): void {
  const { actions } = opts;
  const changes = canChange(spec.kind);
  if (opts.readOnly && changes) {
    void actions.assistant.runJob(spec);
    return;
  }
  const typed = typeof spec.payload.confirm === 'string' ? spec.payload.confirm : undefined;
  actions.ui.confirm({
    title: opts.title,
    lines: [
      spec.summary,
      `kind ${spec.kind}${changes ? ' (can change things)' : ' (reads only)'}`,
      `payload ${JSON.stringify(spec.payload)}`,
      ...(opts.note ? [`note: ${opts.note}`] : []),
    ],
    ...(typed !== undefined ? { typed } : {}),
    onYes: () => void actions.assistant.runJob(spec),
  });
}

/** What became of the job offered last, for the views' status line. */
export function offeredJobLine(job: OfferedJob, readOnly: boolean): { text: string; error: boolean } {
  if (job.state === 'queued') return { text: `✓ ${job.text}: ${job.summary} (Jobs tab)`, error: false };
  if (job.state === 'refused' && readOnly)
    return {
      text: '✗ read-only: not run, the queue refuses a job that changes things (audited; :messages says it all)',
      error: true,
    };
  return { text: `✗ ${job.summary}: ${job.text}`, error: true };
}
