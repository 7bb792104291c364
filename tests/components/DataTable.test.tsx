import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Column, Priority } from '../../src/components/tableModel';
import type { TableState } from '../../src/components/useTable';
import { flexLastColumns, makeServers, type Server, TableHarness, tick } from './tableHarness';

// Colour (and inverse) must reach the frames so the cursor can be checked; chalk decides at import time.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (frame: string | undefined) => (frame ?? '').replace(ANSI, '');
const linesOf = (frame: string | undefined) => plain(frame).split('\n');
const cursorLine = (frame: string | undefined) =>
  linesOf(frame).find((l) => l.startsWith('> ') || l.startsWith('●'));

function expectContract(frame: string | undefined, width: number, height: number) {
  const lines = linesOf(frame);
  expect(lines).toHaveLength(height);
  for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(width);
}

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

function show(props: Parameters<typeof TableHarness>[0]) {
  const r = render(<TableHarness {...props} />);
  unmount = r.unmount;
  return r;
}

describe('DataTable', () => {
  it.each([0, 5, 50_000])(
    'renders exactly `height` lines of at most `width` columns with %i rows',
    async (n) => {
      for (const [width, height] of [
        [80, 24],
        [40, 6],
        [100, 3],
      ]) {
        const { lastFrame, unmount: done } = render(
          <TableHarness rows={makeServers(n)} width={width} height={height} />,
        );
        await tick();
        expectContract(lastFrame(), width, height);
        done();
      }
    },
  );

  it('shows the header, the first rows and the scroll position after the last title', async () => {
    const { lastFrame } = show({ rows: makeServers(50_000), width: 60, height: 6, columns: flexLastColumns });
    await tick();
    const lines = linesOf(lastFrame());
    expect(lines[0]).toMatch(/^ {2}REGION +STATE +NAME +1\/50000$/);
    expect(lines[0]).toHaveLength(60);
    expect(lines[1]).toMatch(/^> eu-west-1 +stopped +srv-00000/);
    expect(lines[5]).toMatch(/^ {2}eu-west-1 +running +srv-00004/);
    expect(lastFrame()).not.toContain('srv-00005');
  });

  it('never puts the row counter between column titles: with no room after them it goes to the caption', async () => {
    // NAME is flex and first: the header is full to its last title.
    const { lastFrame } = show({ rows: makeServers(50_000), width: 60, height: 7, caption: '50000 servers' });
    await tick();
    const lines = linesOf(lastFrame());
    expect(lines[0]).toMatch(/^ 50000 servers +1\/50000$/);
    expect(lines[0]).toHaveLength(60);
    expect(lines[1]).toMatch(/^ {2}NAME +REGION +STATE *$/);
    expect(lines[1]).not.toMatch(/\d/);
    expect(lines[2]).toMatch(/^> srv-00000 +eu-west-1 +stopped/);
    expectContract(lastFrame(), 60, 7);
  });

  it('leaves the counter out rather than cut the caption or a title', async () => {
    const caption = `a summary as long as the line itself ${'x'.repeat(40)}`.slice(0, 58);
    const { lastFrame } = show({ rows: makeServers(500), width: 60, height: 5, caption });
    await tick();
    const lines = linesOf(lastFrame());
    expect(lines[0].trimEnd()).toBe(` ${caption}`);
    expect(lastFrame()).not.toContain('1/500');
  });

  it('scrolls 50,000 rows: the cursor stays on screen and only the visible rows are drawn', async () => {
    const probe: { current?: TableState<Server> } = {};
    const { lastFrame, stdin } = show({
      rows: makeServers(50_000),
      width: 60,
      height: 6,
      probe,
      columns: flexLastColumns,
    });
    await tick();
    stdin.write('G');
    await tick();
    let lines = linesOf(lastFrame());
    expect(lines[0]).toContain('50000/50000');
    expect(lines[5]).toMatch(/^> .* srv-49999 +$/);
    expect(lines[1]).toMatch(/^ {2}.* srv-49995$/);
    stdin.write('b');
    await tick();
    expect(probe.current?.cursorRow?.id).toBe('srv-49994');
    expect(cursorLine(lastFrame())).toMatch(/^> .* srv-49994 +$/);
    stdin.write('g');
    await tick();
    lines = linesOf(lastFrame());
    expect(lines[1]).toMatch(/^> .* srv-00000 +$/);
    expectContract(lastFrame(), 60, 6);
  });

  it('measures a long table in full right after its first frame: one rare region is shown whole', async () => {
    const rows = makeServers(20_000).map((s, i) => (i === 12_347 ? { ...s, region: 'ap-southeast-2' } : s));
    const probe: { current?: TableState<Server> } = {};
    const { lastFrame } = show({
      rows,
      filterText: 'srv-12347',
      width: 60,
      height: 6,
      probe,
      columns: flexLastColumns,
    });
    await vi.waitFor(() => expect(probe.current?.naturalWidths[0]).toBe('ap-southeast-2'.length));
    await tick();
    expect(cursorLine(lastFrame())).toMatch(/^> ap-southeast-2 +\w+ +srv-12347/);
  });

  it('makes room for the sort marker in a column as narrow as its title', async () => {
    const columns: Column<Server>[] = [
      { key: 'kind', title: 'KIND', priority: Priority.identity, whole: true, value: () => 'vm' },
      ...flexLastColumns,
    ];
    const { lastFrame, stdin } = show({ rows: makeServers(3), width: 60, height: 5, columns });
    await tick();
    expect(linesOf(lastFrame())[0]).toMatch(/^ {2}KIND REGION/);
    stdin.write('o');
    await tick();
    expect(linesOf(lastFrame())[0]).toMatch(/^ {2}KIND ▲ REGION/);
  });

  it('counts every key even when several arrive before a re-render', async () => {
    const probe: { current?: TableState<Server> } = {};
    const { lastFrame, stdin } = show({ rows: makeServers(100), height: 6, probe });
    await tick();
    stdin.write('j');
    stdin.write('j');
    stdin.write('j');
    stdin.write('jj');
    await tick();
    expect(probe.current?.cursor).toBe(5);
    expect(cursorLine(lastFrame())).toMatch(/^> srv-00005 /);
  });

  it('draws the cursor row in inverse and marks selected rows with ●, also without colour', async () => {
    const { lastFrame, stdin } = show({ rows: makeServers(10), width: 60, height: 8, noColor: true });
    await tick();
    stdin.write(' ');
    await tick();
    stdin.write(' ');
    await tick();
    const raw = (lastFrame() ?? '').split('\n');
    const lines = linesOf(lastFrame());
    expect(lines[1]).toMatch(/^● srv-00000 /);
    expect(lines[2]).toMatch(/^● srv-00001 /);
    expect(lines[3]).toMatch(/^> srv-00002 /);
    expect(raw[3]).toContain('\x1b[7m');
    expect(raw[1]).not.toContain('\x1b[7m');
    // NO_COLOR: no foreground colour codes anywhere (the STATE column has a colour when allowed)
    expect(lastFrame()).not.toMatch(/\x1b\[3[0-7]m|\x1b\[9[0-7]m/);
  });

  it('colours cells when colour is allowed', async () => {
    const { lastFrame } = show({ rows: makeServers(3), width: 60, height: 5 });
    await tick();
    expect(lastFrame()).toMatch(/\x1b\[31mstopped/);
    expect(lastFrame()).toMatch(/\x1b\[32mrunning/);
  });

  it('marks the sort column in the header and reorders the rows', async () => {
    const rows: Server[] = [
      { id: 'a', name: 'web', region: 'us-east-1', state: 'running' },
      { id: 'b', name: 'api', region: 'eu-west-1', state: 'stopped' },
      { id: 'c', name: 'db', region: 'ap-south-1', state: 'running' },
    ];
    const { lastFrame, stdin } = show({ rows, width: 60, height: 5 });
    await tick();
    stdin.write('o');
    await tick();
    let lines = linesOf(lastFrame());
    expect(lines[0]).toMatch(/NAME ▲/);
    expect(lines.slice(1, 4).map((l) => l.slice(2, 5))).toEqual(['api', 'db ', 'web']);
    // the cursor stayed on its row (web), which moved to the bottom
    expect(cursorLine(lastFrame())).toMatch(/^> web /);
    stdin.write('O');
    await tick();
    lines = linesOf(lastFrame());
    expect(lines[0]).toMatch(/NAME ▼/);
    expect(lines.slice(1, 4).map((l) => l.slice(2, 5))).toEqual(['web', 'db ', 'api']);
    stdin.write('o');
    await tick();
    expect(linesOf(lastFrame())[0]).toMatch(/REGION ▲/);
    expect(linesOf(lastFrame())[1]).toContain('ap-south-1');
  });

  it('shows the empty message under the header when there are no rows', async () => {
    const { lastFrame } = show({
      rows: [],
      width: 50,
      height: 5,
      emptyMessage: 'no servers in servers.yaml',
    });
    await tick();
    const lines = linesOf(lastFrame());
    expect(lines[0]).toMatch(/NAME/);
    expect(lines[1].trim()).toBe('no servers in servers.yaml');
    expectContract(lastFrame(), 50, 5);
  });

  it('says which filter hid every row', async () => {
    const { lastFrame } = show({ rows: makeServers(20), filterText: 're:^nothing', width: 50, height: 5 });
    await tick();
    const lines = linesOf(lastFrame());
    expect(lines[1].trim()).toBe('no rows match "re:^nothing"');
    expectContract(lastFrame(), 50, 5);
  });

  it('filters rows and reports an invalid regex without hiding anything', async () => {
    const probe: { current?: TableState<Server> } = {};
    const { lastFrame, rerender } = show({
      rows: makeServers(20),
      filterText: 'srv-0001',
      height: 14,
      probe,
      columns: flexLastColumns,
    });
    await tick();
    expect(probe.current?.view.map((s) => s.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `srv-${10 + i}`),
    );
    expect(linesOf(lastFrame())[0]).toContain('1/10');
    rerender(<TableHarness rows={makeServers(20)} filterText="re:(" height={14} probe={probe} />);
    await tick();
    expect(probe.current?.filterError).toMatch(/invalid regex/);
    expect(probe.current?.view).toHaveLength(20);
  });

  it('cuts wide and hostile cell text to the column, keeping every line within the width', async () => {
    const rows: Server[] = [
      { id: '1', name: '日本語のサーバー名がとても長い', region: 'ap-northeast-1', state: 'running' },
      { id: '2', name: 'evil\x1b[2J\x1b[Hname\nsecond line', region: 'us\teast', state: 'stopped' },
      { id: '3', name: '🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀', region: 'eu', state: 'running' },
    ];
    for (const width of [30, 44, 80]) {
      const { lastFrame, unmount: done } = render(<TableHarness rows={rows} width={width} height={6} />);
      await tick();
      expectContract(lastFrame(), width, 6);
      expect(plain(lastFrame())).not.toMatch(/\x1b/);
      if (width >= 44) expect(plain(lastFrame())).toContain('evilname');
      done();
    }
  });

  it('drops trailing columns on a narrow terminal instead of overflowing', async () => {
    // 2 gutter + NAME (min 8) + 1 + REGION (10) = 21: STATE does not fit
    const { lastFrame } = show({ rows: makeServers(3), width: 21, height: 4 });
    await tick();
    const lines = linesOf(lastFrame());
    expect(lines[0]).toMatch(/NAME/);
    expect(lines[0]).toMatch(/REGION/);
    expect(lines[0]).not.toMatch(/STATE/);
    expectContract(lastFrame(), 21, 4);
  });
});
