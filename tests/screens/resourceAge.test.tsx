import { afterEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

const at = (name: string, createdAt: number): Resource => ({
  type: 'instance',
  id: `i-0${name}`,
  name,
  region: 'us-east-1',
  state: 'running',
  project: 'ages',
  createdAt,
  detail: 't3.micro',
  tags: { 'infradeck:project': 'ages' },
  refs: {},
});

const rowOf = (frame: string, name: string) => frame.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
const ageIn = (frame: string, name: string) => /running +ages +(\S+) t3\.micro/.exec(rowOf(frame, name))?.[1];

describe('the AGE column of the Resources tab', () => {
  it('gives no age to a creation time in the future (clock skew, bad cached data), 0s to one seconds ahead', async () => {
    const now = Date.now();
    deck = await startDeck({ size: { columns: 120, rows: 24 } });
    deck.store
      .getState()
      .actions.cloud.lookedUp('ages', 'us-east-1', [
        at('old', now - 3 * 86_400_000),
        at('ahead', now + 2 * 3_600_000),
        at('tick', now + 3_000),
      ]);
    await deck.press('3');
    const f = await deck.waitFor('i-0ahead');
    expect(ageIn(f, 'old')).toBe('3d');
    expect(ageIn(f, 'ahead')).toBe('-');
    expect(ageIn(f, 'tick')).toBe('0s');
  });
});
