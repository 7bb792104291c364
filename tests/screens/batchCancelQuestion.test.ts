import { describe, expect, it } from 'vitest';
import type { BatchRunView } from '../../src/domain/batchRun';
import { askCancel } from '../../src/screens/batch/batchConfirmations';
import type { DeckActions } from '../../src/state/store';

/** The question `c` asks on a running run whose two targets run `action`. */
function question(action: BatchRunView['payload']['action']): string[] {
  const run = {
    job: { id: '16' },
    payload: { name: 'sleepy', action },
    status: 'running',
    counts: { ok: 0, failed: 0, skipped: 0, cancelled: 0, running: 2, pending: 1 },
  } as unknown as BatchRunView;
  let lines: string[] = [];
  const actions = {
    ui: { confirm: (c: { lines?: string[] }) => (lines = c.lines ?? []), notify: () => {} },
  } as unknown as DeckActions;
  askCancel(run, actions);
  return lines;
}

// An on-call engineer cancels a batch to stop a bad change: for ssh targets it must not read as if the remote
// command were stopped, since sshd does not signal a command without a terminal when ssh goes.
describe("cancelling a batch: what the question says becomes of the running targets' commands", () => {
  it('ssh: ssh is stopped, the remote command runs to its end on the host', () => {
    expect(question({ type: 'ssh', program: 'sh', args: ['-c', 'sleep 20'] })[0]).toBe(
      '2 running targets cancelled: ssh is stopped (SIGTERM, then SIGKILL); the remote command is not signalled and runs to its end on the host',
    );
  });

  it('local: the program itself is stopped', () => {
    expect(question({ type: 'local', program: 'sleep', args: ['20'] })[0]).toBe(
      '2 running targets cancelled: the program is stopped: SIGTERM, then SIGKILL',
    );
  });
});
