import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { TableState } from '../../src/components/useTable';
import { makeServers, type Server, TableHarness, tick } from './tableHarness';

const ids = (rows: readonly Server[] | undefined) => (rows ?? []).map((r) => r.id);

let unmount: (() => void) | undefined;
afterEach(() => {
  unmount?.();
  unmount = undefined;
});

function session(rows: readonly Server[], extra: { filterText?: string; height?: number } = {}) {
  const probe: { current?: TableState<Server> } = {};
  const handled: string[] = [];
  const height = extra.height ?? 6;
  const r = render(<TableHarness rows={rows} probe={probe} handled={handled} height={height} {...extra} />);
  unmount = r.unmount;
  return {
    probe,
    handled,
    frame: () => r.lastFrame() ?? '',
    async press(keys: string) {
      for (const k of keys) {
        r.stdin.write(k);
        await tick();
      }
    },
    async refresh(next: readonly Server[], filterText = extra.filterText) {
      r.rerender(
        <TableHarness rows={next} probe={probe} handled={handled} height={height} filterText={filterText} />,
      );
      await tick();
    },
  };
}

describe('useTable', () => {
  it('focus puts the cursor on a row by its key, scrolled into view, and says false for a key not shown', async () => {
    const t = session(makeServers(20));
    await tick();
    const key = t.probe.current!.rowKey(t.probe.current!.view[14]!);
    expect(t.probe.current!.focus(key)).toBe(true);
    await tick();
    expect(t.probe.current?.cursorRow?.id).toBe('srv-14');
    expect(t.frame()).toMatch(/> srv-00014/);
    expect(t.probe.current!.focus('no-such-row')).toBe(false);
    await tick();
    expect(t.probe.current?.cursorRow?.id).toBe('srv-14');
    // Keys move on from there.
    await t.press('k');
    expect(t.probe.current?.cursorRow?.id).toBe('srv-13');
  });

  it('keeps the cursor on the same row when a refresh inserts rows above it', async () => {
    const rows = makeServers(10);
    const t = session(rows);
    await tick();
    await t.press('jjj');
    expect(t.probe.current?.cursorRow?.id).toBe('srv-3');
    const fresh = [...makeServers(5, 'new'), ...rows.map((r) => ({ ...r }))];
    await t.refresh(fresh);
    expect(t.probe.current?.cursorRow?.id).toBe('srv-3');
    expect(t.probe.current?.cursor).toBe(8);
    expect(t.frame()).toMatch(/> srv-00003/);
    // the next key moves from there, not from the old index
    await t.press('j');
    expect(t.probe.current?.cursorRow?.id).toBe('srv-4');
  });

  it('with topUntilMoved keeps the cursor on the first row while rows come in above it, until a key moves it', async () => {
    const probe: { current?: TableState<Server> } = {};
    const table = (rows: readonly Server[]) => (
      <TableHarness rows={rows} probe={probe} height={6} topUntilMoved />
    );
    const west = makeServers(3, 'west');
    const r = render(table(west));
    unmount = r.unmount;
    await tick();
    // Another region answers, and sorts above the first.
    r.rerender(table([...makeServers(3, 'east'), ...west]));
    await tick();
    expect(probe.current?.cursorRow?.id).toBe('east-0');
    r.stdin.write('j');
    await tick();
    r.rerender(table([...makeServers(2, 'central'), ...makeServers(3, 'east'), ...west]));
    await tick();
    expect(probe.current?.cursorRow?.id).toBe('east-1');
    // An emptied table (another account) fills from its top again.
    r.rerender(table([]));
    await tick();
    r.rerender(table([...makeServers(1, 'north'), ...west]));
    await tick();
    r.rerender(table([...makeServers(1, 'south'), ...makeServers(1, 'north'), ...west]));
    await tick();
    expect(probe.current?.cursorRow?.id).toBe('south-0');
  });

  it('keeps the same index (clamped) when the cursor row vanishes', async () => {
    const rows = makeServers(10);
    const t = session(rows);
    await tick();
    await t.press('jjjj');
    expect(t.probe.current?.cursorRow?.id).toBe('srv-4');
    await t.refresh(rows.filter((r) => r.id !== 'srv-4'));
    expect(t.probe.current?.cursor).toBe(4);
    expect(t.probe.current?.cursorRow?.id).toBe('srv-5');
    // srv-4 coming back later does not pull the cursor back: it now sits on srv-5
    await t.refresh(rows);
    expect(t.probe.current?.cursorRow?.id).toBe('srv-5');
    await t.refresh(rows.slice(0, 2));
    expect(t.probe.current?.cursor).toBe(1);
    expect(t.probe.current?.cursorRow?.id).toBe('srv-1');
    await t.refresh([]);
    expect(t.probe.current?.cursorRow).toBeUndefined();
    expect(t.probe.current?.cursor).toBe(0);
  });

  it('moves by pages and stops at both ends', async () => {
    const t = session(makeServers(30), { height: 6 });
    await tick();
    await t.press('f');
    expect(t.probe.current?.cursor).toBe(5);
    await t.press('G');
    expect(t.probe.current?.cursor).toBe(29);
    expect(t.probe.current?.offset).toBe(25);
    await t.press('jf');
    expect(t.probe.current?.cursor).toBe(29);
    await t.press('bb');
    expect(t.probe.current?.cursor).toBe(19);
    await t.press('gk');
    expect(t.probe.current?.cursor).toBe(0);
    expect(t.probe.current?.offset).toBe(0);
  });

  it('selects by key: space toggles and moves down, selection survives refreshes and drops vanished rows', async () => {
    const rows = makeServers(6);
    const t = session(rows);
    await tick();
    await t.press('  j ');
    expect([...(t.probe.current?.selected ?? [])]).toEqual(['srv-0', 'srv-1', 'srv-3']);
    expect(t.probe.current?.cursorRow?.id).toBe('srv-4');
    await t.press('k ');
    expect([...(t.probe.current?.selected ?? [])]).toEqual(['srv-0', 'srv-1']);
    expect(t.probe.current?.cursorRow?.id).toBe('srv-4');
    await t.press(' ');
    await t.refresh([...rows].reverse());
    expect(ids(t.probe.current?.selectedRows)).toEqual(['srv-4', 'srv-1', 'srv-0']);
    await t.refresh(rows.filter((r) => r.id !== 'srv-1'));
    expect([...(t.probe.current?.selected ?? [])].sort()).toEqual(['srv-0', 'srv-4']);
    // a row that comes back is not selected again
    await t.refresh(rows);
    expect(ids(t.probe.current?.selectedRows)).toEqual(['srv-0', 'srv-4']);
  });

  it('select-all toggles the rows the filter shows, and selectedRows is what is shown', async () => {
    const rows = makeServers(6);
    const t = session(rows, { filterText: 'us-east' });
    await tick();
    await t.press('a');
    expect(ids(t.probe.current?.selectedRows)).toEqual(['srv-1', 'srv-3', 'srv-5']);
    await t.refresh(rows, '');
    // hidden rows were never selected; what was selected stays selected when the filter is cleared
    expect(ids(t.probe.current?.selectedRows)).toEqual(['srv-1', 'srv-3', 'srv-5']);
    await t.press('a');
    expect(t.probe.current?.selected.size).toBe(6);
    await t.press('a');
    expect(t.probe.current?.selected.size).toBe(0);
  });

  it('clearSelection empties the selection', async () => {
    const t = session(makeServers(4));
    await tick();
    await t.press('a');
    expect(t.probe.current?.selected.size).toBe(4);
    t.probe.current?.clearSelection();
    await tick();
    expect(t.probe.current?.selected.size).toBe(0);
    expect(t.frame()).not.toContain('●');
  });

  it('cycles the sort through every column and back to the original order', async () => {
    const t = session(makeServers(4));
    await tick();
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      await t.press('o');
      seen.push(t.probe.current?.sort?.key);
    }
    expect(seen).toEqual(['name', 'region', 'state', undefined]);
    expect(ids(t.probe.current?.view)).toEqual(['srv-0', 'srv-1', 'srv-2', 'srv-3']);
  });

  it('handles only table actions, so the screen can pass the rest on', async () => {
    const t = session(makeServers(3));
    await tick();
    await t.press('jxz ');
    expect(t.handled).toEqual(['nav.down', 'table.select']);
    expect(t.probe.current?.act('job.cancel')).toBe(false);
  });
});
