import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import { type DeckSession, startDeck } from '../harness/startDeck';

// The dim of a line must reach the frames: chalk decides at import time whether it writes colours.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
/** The frame's line whose text (without colours) starts with `start`, as drawn. */
const drawn = (frame: string, start: string) =>
  frame.split('\n').find((l) => plain(l).startsWith(start)) ?? '';

const orphan: Resource = {
  type: 'instance',
  id: 'i-0orphan',
  name: 'orphan-1',
  region: 'us-east-1',
  state: 'running',
  project: 'orphans',
  detail: '',
  tags: {},
  refs: { vpc: 'vpc-0gone', securityGroups: ['sg-0here'] },
};
const group: Resource = { ...orphan, type: 'security-group', id: 'sg-0here', name: 'still-here', refs: {} };

describe("a resource's details, a reference the last scan did not find", () => {
  it('is drawn dim (grey), the related resource found is not', async () => {
    deck = await startDeck({ size: { columns: 100, rows: 24 } });
    deck.store.getState().actions.cloud.lookedUp('orphans', 'us-east-1', [orphan, group]);
    await deck.press('3', '/');
    await deck.type('orphan-1');
    await deck.press('enter', 'enter');
    const f = await deck.waitFor((frame) => plain(frame).includes('Related ('));
    expect(drawn(f, '    vpc vpc-0gone (not in the last scan)')).toMatch(/^\x1b\[90m/);
    expect(drawn(f, '    sg sg-0here (still-here)')).not.toMatch(/\x1b\[90m/);
  });
});
