import { useMemo, useRef } from 'react';
import type { CursorRow } from '../../components/CursorList';
import { moveCursor } from '../../components/CursorList';
import { filterRows, scrollWindow } from '../../components/tableModel';
import type { DeckEvent } from '../../domain/event';
import { describeJob, type JobView } from '../../domain/job';
import { resourceKey } from '../../domain/resource';
import { shownJobId } from '../../domain/scheduleTickId';
import { parseFilter } from '../../domain/tableFilter';
import { formatAgeAgo } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { useKeyState } from '../../ui/useKeyState';
import { type DashboardItem, dashboardColumns, itemKey, targetOf } from './dashboardItems';

/** The cursor on the newest event, whichever event that is now: the list follows the stream until you move. */
const NEWEST = 'event:newest';

interface Section {
  rows: CursorRow[];
  /** Index into `rows`, or -1 when the cursor is in the other section. */
  cursor: number;
  offset: number;
}

/**
 * The Dashboard's recent failures and latest events as one list (failures, then events newest first): j/k move
 * through both, Enter opens what the row names (the job on the Jobs tab, the resource on Resources), `/` filters
 * both, `y` copies the id the row names.
 */
export function useDashboardList({
  failures,
  events,
  failureRows,
  eventRows,
  active,
}: {
  /** Newest first. */
  failures: readonly JobView[];
  /** Oldest first, as the store keeps them. */
  events: readonly DeckEvent[];
  failureRows: number;
  eventRows: number;
  active: boolean;
}): { failures: Section; events: Section; newerAbove: number; filtering: boolean } {
  const { theme } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const filterText = useDeck((s) => s.ui.filters.dashboard ?? '');
  const parsed = useMemo(() => parseFilter(filterText), [filterText]);
  // A filter still being typed that does not parse (`re:(`) filters nothing; the prompt says why.
  const filter = parsed.ok ? parsed : '';

  const failureItems = useMemo(
    () =>
      filterRows<DashboardItem>(
        failures.map((job) => ({ kind: 'failure', job })),
        filter,
        dashboardColumns,
      ),
    [failures, filter],
  );
  const eventItems = useMemo(
    () =>
      filterRows<DashboardItem>(
        [...events].reverse().map((event) => ({ kind: 'event', event })),
        filter,
        dashboardColumns,
      ),
    [events, filter],
  );
  const items = useMemo(() => [...failureItems, ...eventItems], [failureItems, eventItems]);
  const firstEvent = failureItems.length;

  const [cursor, getCursor, setCursor] = useKeyState<{ key?: string; index: number }>({ index: 0 });
  const failureOffset = useRef(0);
  const eventOffset = useRef(0);

  const locate = (c: { key?: string; index: number }): number => {
    const clamp = () => Math.max(0, Math.min(c.index, items.length - 1));
    if (c.key === NEWEST) return eventItems.length ? firstEvent : clamp();
    if (c.key !== undefined) {
      const found = items.findIndex((i) => itemKey(i) === c.key);
      if (found >= 0) return found;
    }
    return clamp();
  };
  const at = items.length ? locate(cursor) : -1;

  const open = (item: DashboardItem) => {
    const target = targetOf(item);
    // Esc there comes back here, to this row.
    if (target.kind === 'job') {
      actions.ui.openOnTab('jobs');
      void actions.jobs.openLog(target.id);
    } else if (target.kind === 'resource') {
      actions.ui.openOnTab('resources');
      actions.ui.openView('resources', `details:${resourceKey(target)}`, { fresh: true });
    } else actions.ui.notify('warn', `nothing to open: ${target.why}`);
  };

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['dashboard', 'list']);
      if (!action) return false;
      const here = items.length ? locate(getCursor()) : -1;
      const item = items[here];
      if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (action === 'dashboard.open') {
        if (item) open(item);
      } else if (action === 'clipboard.copy') {
        const target = item ? targetOf(item) : undefined;
        copy(target && target.kind !== 'none' ? target.id : undefined);
      } else {
        const page = here >= firstEvent ? eventRows : failureRows;
        const next = moveCursor(action, Math.max(0, here), items.length, page);
        if (next === undefined) return false;
        if (items.length === 0) return true;
        setCursor({ key: next === firstEvent ? NEWEST : itemKey(items[next]), index: next });
      }
      return true;
    },
    active,
  );

  const now = Date.now();
  const inFailures = at >= 0 && at < firstEvent;
  failureOffset.current = inFailures
    ? scrollWindow(at, failureOffset.current, failureRows, failureItems.length)
    : Math.min(failureOffset.current, Math.max(0, failureItems.length - failureRows));
  // Away from the events, the section shows the newest again.
  eventOffset.current =
    at >= firstEvent ? scrollWindow(at - firstEvent, eventOffset.current, eventRows, eventItems.length) : 0;

  return {
    failures: {
      rows: failureItems.map((i) => {
        const j = (i as Extract<DashboardItem, { kind: 'failure' }>).job;
        return {
          key: itemKey(i),
          text: `${shownJobId(j.id)}  ${formatAgeAgo(now - (j.finishedAt ?? j.createdAt))}  ${describeJob(j.kind, j.payload)} — ${j.error ?? ''}`,
          color: theme.error,
        };
      }),
      cursor: inFailures ? at : -1,
      offset: failureOffset.current,
    },
    events: {
      rows: eventItems.map((i) => {
        const e = (i as Extract<DashboardItem, { kind: 'event' }>).event;
        const time = new Date(e.at).toTimeString().slice(0, 8);
        return {
          key: itemKey(i),
          text: `${time} ${e.type}${e.jobId ? ` ${shownJobId(e.jobId)}` : ''}  ${e.message}`,
          color: e.level === 'error' ? theme.error : e.level === 'warn' ? theme.warn : undefined,
        };
      }),
      cursor: at >= firstEvent ? at - firstEvent : -1,
      offset: eventOffset.current,
    },
    newerAbove: eventOffset.current,
    filtering: parsed.ok && !parsed.matchesAll,
  };
}
