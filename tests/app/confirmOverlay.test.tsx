import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { offerJob } from '../../src/app/AssistantOffer';
import { confirmRows } from '../harness/confirmBox';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
afterEach(() => {
  deck?.unmount();
  deck = undefined;
});

/** What the rows say, however they were wrapped (a long word may be broken anywhere). */
const squashed = (text: string) => text.replace(/\s+/g, '');

function fits(d: DeckSession, columns: number, rows: number) {
  const lines = d.lines();
  expect(lines).toHaveLength(rows);
  for (const l of lines) expect(stringWidth(l), l).toBeLessThanOrEqual(columns);
}

const revoke =
  'aws ec2 revoke-security-group-ingress --region ap-southeast-1 --group-id sg-08a529aaa60163cd8 ' +
  "--ip-permissions 'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'";

describe('the confirmation', () => {
  for (const [columns, rows] of [
    [80, 24],
    [120, 35],
  ] as const) {
    it(`wraps a suggested command and its payload inside the box at ${columns}x${rows}, cutting nothing`, async () => {
      deck = await startDeck({ size: { columns, rows } });
      const [program, ...args] = revoke.split(' ');
      offerJob(
        { kind: 'command', payload: { program, args }, summary: revoke },
        {
          actions: deck.store.getState().actions,
          readOnly: false,
          title: 'Run the job suggested for open-admin-port?',
        },
      );
      const f = await deck.waitFor('Run the job suggested for open-admin-port?');
      fits(deck, columns, rows);
      const box = confirmRows(f);
      expect(box.join('\n')).not.toContain('…');
      const text = box.join(' ');
      expect(squashed(text)).toContain(squashed(revoke));
      expect(squashed(text)).toContain(squashed(`payload ${JSON.stringify({ program, args })}`));
      expect(text).toContain('y yes · n / Esc no');
    });
  }

  it('uses more of a wide terminal, up to 120 columns', async () => {
    deck = await startDeck({ size: { columns: 200, rows: 50 } });
    deck.store.getState().actions.ui.confirm({ title: 'Go?', lines: ['x'.repeat(150)], onYes: () => {} });
    const f = await deck.waitFor('Go?');
    const border = f
      .split('\n')
      .find((l) => l.includes('╭'))!
      .trim();
    expect(stringWidth(border)).toBe(120);
    expect(confirmRows(f)).toContain('x'.repeat(116));
  });

  it('keeps its question and answer on a short terminal and scrolls its lines with ↓ and PgDn', async () => {
    deck = await startDeck({ size: { columns: 80, rows: 24 } });
    let answered = false;
    const lines = Array.from(
      { length: 40 },
      (_, i) => `${i + 1}. instance i-${String(i + 1).padStart(3, '0')}`,
    );
    deck.store.getState().actions.ui.confirm({
      title: 'Delete 40 resources?',
      lines,
      toggle: {
        key: 'e',
        label: 'also delete every object in 2 bucket(s); without it a non-empty bucket stays',
      },
      onYes: () => {
        answered = true;
      },
    });
    const first = await deck.waitFor(/↓ more below · lines 1–\d+ of 40 · ↑\/↓ PgUp\/PgDn scroll/);
    fits(deck, 80, 24);
    expect(first).toContain('1. instance i-001');
    expect(first).not.toContain('40. instance i-040');
    expect(squashed(confirmRows(first).join(' '))).toContain(squashed('stays (e toggles)'));
    expect(first).toContain('y yes · n / Esc no');

    await deck.press('down');
    const scrolled = await deck.waitFor(/↑↓ more above and below · lines 2–/);
    expect(scrolled).not.toContain('1. instance i-001');
    await deck.press('pgdn', 'pgdn', 'pgdn', 'pgdn');
    const last = await deck.waitFor(/↑ more above · lines \d+–40 of 40/);
    fits(deck, 80, 24);
    expect(last).toContain('40. instance i-040');
    expect(last).toContain('Delete 40 resources?');
    expect(last).toContain('y yes · n / Esc no');
    // The smallest console: the question, the option and the answer still in view, a row each.
    await deck.resize(50, 10);
    // Where it is, whole: the keys go first.
    const smallest = await deck.waitFor(/more (above|below)[a-z ]* · lines \d+–\d+ of 40 +│/);
    fits(deck, 50, 10);
    expect(smallest).toContain('Delete 40 resources?');
    expect(smallest).toContain('[ ] e toggles: also delete every object');
    expect(smallest).toContain('y yes · n / Esc no');
    await deck.resize(80, 24);
    await deck.press('pgup', 'pgup', 'pgup', 'pgup', 'pgup');
    await deck.waitFor(/↓ more below · lines 1–/);
    await deck.press('y');
    await deck.waitFor((f) => !f.includes('Delete 40 resources?'));
    expect(answered).toBe(true);
  });
});
