import { afterEach, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/domain/job';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { command } from '../../src/worker/handlers/command';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { bob, testApprovals } from './approvalsContract';

const alice: Requester = { user: 'alice', host: 'jump1' };

let deck: DeckSession | undefined;
let bus: Bus | undefined;
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
});

/** A console acting for `who` on a bus where bob's commands wait for an admin (alice, dave). */
async function consoleOf(who: Requester) {
  bus = openMemoryBus({ handlers: { command }, requester: who, approvals: testApprovals() });
  deck = await startDeck({ bus: deckBusOf(bus, who), size: { columns: 140, rows: 30 } });
  return { deck, bus };
}

const askedByBob = (b: Bus, text: string) =>
  b.queue.enqueue({ kind: 'command', payload: { program: 'echo', args: [text] }, requestedBy: bob });

async function jobsTab(d: DeckSession) {
  await d.press(':');
  await d.type('jobs');
  await d.press('enter');
  await d.waitFor('PROGRESS');
}

describe('approvals in the console', () => {
  it('shows a pending job in the status bar, on the Dashboard and in the Jobs tab; a approves it after asking', async () => {
    const { deck: d, bus: b } = await consoleOf(alice);
    const id = await askedByBob(b, 'approved-run');
    const dashboard = await d.waitFor(
      new RegExp(`Approvals {2}1 pending: ${id} echo approved-run by bob, expires in 1 min`),
    );
    expect(dashboard).toContain('1 approval pending');
    await jobsTab(d);
    const row = (await d.waitFor('approval_pending')).split('\n').find((l) => l.includes('approval_pending'));
    expect(row).toContain('command jobs need an approval');
    await d.press('a');
    await d.waitFor(`Approve job ${id}?`);
    expect(d.frame()).toContain('asked by bob@jump2');
    await d.press('y');
    await d.waitFor('completed');
    expect((await b.queue.get(id))?.approval).toMatchObject({ state: 'approved', decidedBy: alice });
    expect(d.frame()).not.toContain('approval pending');
  });

  it('x asks for a reason and rejects; an empty reason is not taken', async () => {
    const { deck: d, bus: b } = await consoleOf(alice);
    const id = await askedByBob(b, 'rejected-run');
    await jobsTab(d);
    await d.waitFor('approval_pending');
    await d.press('x');
    await d.waitFor(`Reject job ${id}?`);
    await d.press('enter');
    await d.waitFor('reason is empty');
    await d.type('change freeze until Monday');
    await d.press('enter');
    await d.waitFor('rejected by alice@jump1: change freeze until Monday');
    expect((await b.queue.get(id))?.status).toBe('rejected');
  });

  it('the requester approving their own job is refused, and the status bar says why', async () => {
    const { deck: d, bus: b } = await consoleOf(bob);
    const id = await askedByBob(b, 'own-run');
    await jobsTab(d);
    await d.waitFor('approval_pending');
    await d.press('a');
    await d.waitFor(`Approve job ${id}?`);
    await d.press('y');
    await d.waitFor('bob asked for this job and cannot approve it');
    expect((await b.queue.get(id))?.status).toBe('approval_pending');
  });
});
