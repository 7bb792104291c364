import { afterEach, describe, expect, it } from 'vitest';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

// What the issue saw: `ap-north…`, `termin…`, `127.0.0.…` at 80x24, STATE cut at 300 columns while DETAIL had
// 100+, the row counter between two column titles, the help overlay cutting what a key does. Read from the real
// console in tmux over the example workspace.

let deck: TmuxDeck | undefined;
afterEach(async () => {
  const d = deck;
  deck = undefined;
  if (!d) return;
  // Quit first: removing the workspace under a running console races its writes.
  d.keys('Escape');
  await pause(100);
  d.keys('q');
  await d
    .until('the console to quit', () => {
      try {
        d.tmux('has-session', '-t', 'deck');
        return false;
      } catch {
        return true;
      }
    })
    .catch(() => undefined);
  d.close();
});

const pause = (ms = 200) => new Promise((r) => setTimeout(r, ms));

/** The cell under `title` in each row below the header: from the title's first column to the next title's. */
function cells(lines: readonly string[], headerAt: number, title: string): string[] {
  const header = lines[headerAt];
  const titles = [...header.matchAll(/[A-Z]+/g)];
  const k = titles.findIndex((m) => m[0] === title);
  if (k < 0) throw new Error(`no ${title} in the header: ${header}`);
  const start = titles[k].index ?? 0;
  const end = k + 1 < titles.length ? (titles[k + 1].index ?? header.length) : header.length;
  return lines
    .slice(headerAt + 1)
    .filter((l) => /^[> ●] /.test(l) && l.trim() !== '')
    .map((l) => l.slice(start, end).trim());
}

async function open(columns: number, rows: number, ...keys: string[]) {
  const d = startTmuxDeck(columns, rows, {}, { workspace: 'data' });
  deck = d;
  await d.until('the first frame', () => d.screen()[0]?.includes('1 Dash'));
  for (const key of keys) {
    d.keys(key);
    await pause();
  }
  return d;
}

const headerIndex = (lines: readonly string[]) => lines.findIndex((l) => /^ {2}TYPE +ID +NAME/.test(l));

describe.skipIf(!hasTmux)('values keep their meaning at any width (tmux)', () => {
  it('at 80x24 the Resources tab shows ids, regions and states whole, and the counter is not among the titles', {
    timeout: 60_000,
  }, async () => {
    const d = await open(80, 24, '3');
    await d.until('the resources table', () => d.screen().some((l) => /^> ec2|^> \w+ +\S+-/.test(l)));
    d.keys(':');
    await pause();
    d.keys('ec2', 'Enter');
    await pause();
    d.keys('/');
    await pause();
    d.keys('region:ap-northeast-1');
    await pause();
    d.keys('Enter');
    // Times out, showing the screen, while a region is cut or missing.
    await d.until('the instances of ap-northeast-1, region names whole', () => {
      const lines = d.screen();
      const at = headerIndex(lines);
      const regions = at >= 0 ? cells(lines, at, 'REGION') : [];
      return regions.length > 3 && regions.every((r) => r === 'ap-northeast-1');
    });
    const lines = d.screen();
    const at = headerIndex(lines);
    expect(lines[at]).toMatch(/^ {2}TYPE +ID +NAME +REGION +STATE\b/);
    // Nothing but titles in the header: no `1/59` between two of them.
    expect(lines[at].replace(/ +\d+\/\d+$/, '')).not.toMatch(/\d/);
    const regions = cells(lines, at, 'REGION');
    expect(new Set(regions)).toEqual(new Set(['ap-northeast-1']));
    for (const id of cells(lines, at, 'ID')) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    for (const state of cells(lines, at, 'STATE'))
      expect(state).toMatch(/^(running|stopped|pending|stopping)$/);
    for (const type of cells(lines, at, 'TYPE')) expect(type).toBe('ec2');
    // The hint line drops whole hints and keeps `? help`; nothing on it is cut.
    // The start-up scan's toast may still cover the hint line for its five seconds.
    await d.until('the hint line', () => d.screen()[22].startsWith('filter: region:ap-northeast-1'), 15_000);
    expect(d.screen()[22]).toMatch(/^filter: region:ap-northeast-1 .* {2}\? help/);
    expect(d.screen()[22]).not.toContain('…');
  });

  it('at 80x24 the Servers tab shows addresses and regions whole', async () => {
    const d = await open(80, 24, '6');
    await d.until('the servers of servers.yaml', () => d.screen().some((l) => /^[> ] localhost /.test(l)));
    const lines = d.screen();
    const at = lines.findIndex((l) => /^ {2}NAME +KIND +ADDRESS/.test(l));
    const addresses = cells(lines, at, 'ADDRESS');
    expect(addresses).toContain('127.0.0.1:22');
    expect(addresses).toContain('127.0.0.2:2222');
    for (const region of cells(lines, at, 'REGION').filter(Boolean))
      expect(region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    // Digits only in the counter at the end, never between two titles.
    expect(lines[at].replace(/ +\d+\/\d+$/, '')).not.toMatch(/\d/);
  });

  it('at 300 columns nothing is cut and the row counter stands after the last title', {
    timeout: 60_000,
  }, async () => {
    const d = await open(300, 30, '3');
    await d.until(
      'the resources table',
      () => headerIndex(d.screen()) >= 0 && d.screen()[3]?.startsWith('> '),
    );
    const lines = d.screen();
    const at = headerIndex(lines);
    expect(lines[at]).toMatch(/^ {2}TYPE +ID +NAME +REGION +STATE +PROJECT +AGE +DETAIL +\d+\/\d+$/);
    const rows = lines.slice(at + 1).filter((l) => /^[> ] \S/.test(l));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row).not.toContain('…');
    for (const state of cells(lines, at, 'STATE')) expect(state).not.toContain('…');
  });

  it('at 80x24 the help overlay wraps what a key does instead of cutting it', {
    timeout: 60_000,
  }, async () => {
    const d = await open(80, 24, '3', '?');
    await d.until('the help overlay', () => d.screen().some((l) => l.includes('[resource.scan]')));
    // Scrolled with j until the filter's action id shows: every line the overlay showed on the way.
    const seen = new Set<string>();
    for (let i = 0; i < 30 && ![...seen].some((l) => l.includes('[table.filter]')); i++) {
      for (const line of d.screen().slice(1, 22)) {
        // A cut ends in `…` at the edge of its column; `[args…]` in a description is not a cut.
        expect(line).not.toMatch(/…( |$)/);
        seen.add(line);
      }
      d.keys('j');
      await pause(60);
    }
    const text = [...seen].join('\n');
    expect(text).toMatch(/ \/ +Filter: text, re:regex,/);
    // The rest of the description and its action id continue on the line below, under the description.
    expect(text).toMatch(/\n {13,}glob\*, column:value,/);
    expect(text).toMatch(/\n {13,}[^\n]*\[table\.filter\]/);
  });
});
