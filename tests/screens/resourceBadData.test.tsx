import { afterEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

/** What a scan (or a cache file someone edited) could hold: a line break and escape sequences in an id. */
const odd: Resource = {
  type: 'instance',
  id: 'i-0odd\x1b[31mRED\x1b[0m\nline2',
  name: 'odd\nname',
  region: 'us-east-1',
  state: '',
  project: 'odd',
  detail: 't3.micro',
  tags: { 'infradeck:project': 'odd' },
  refs: {},
};

/** The Resources tab holding `odd` (put in the index as a project look-up would). */
async function openOdd() {
  deck = await startDeck({ size: { columns: 100, rows: 24 } });
  deck.store.getState().actions.cloud.lookedUp('odd', 'us-east-1', [odd]);
  await deck.press('3');
  await deck.waitFor('i-0oddREDline2');
  return deck;
}

describe('a resource whose id holds control characters', () => {
  it('opens its details with Enter and describes it with d', async () => {
    const d = await openOdd();
    await d.press('enter');
    const details = await d.waitFor('Related (0)');
    expect(details).toMatch(/^> ec2 i-0oddREDline2 {2}oddname$/m);
    // An empty state reads as none, like a missing one.
    expect(details).toMatch(/^ {4}region us-east-1 {2}state - {2}project odd$/m);
    await d.press('d');
    await d.waitFor('describe ec2 i-0oddREDline2');
  });

  it('is one line of the delete confirmation', async () => {
    const d = await openOdd();
    await d.press('d');
    const f = await d.waitFor('Delete 1 resource?');
    expect(f).toMatch(/│ 1\. ec2 i-0oddREDline2 \(oddname\) us-east-1 +│/);
    expect(f).not.toMatch(/│ +line2/);
  });
});
