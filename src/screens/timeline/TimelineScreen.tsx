import { Box, Text } from 'ink';
import { useEffect, useMemo } from 'react';
import { shownCount } from '../../components/shownCount';
import { fitWidth } from '../../domain/text';
import { timelineFrame } from '../../domain/timelineFrame';
import { type TimelineEvent, timelineLaneIds, timelineLaneTitles } from '../../domain/timelineLanes';
import {
  metricLaneEmpty,
  metricLaneTitle,
  metricValueAt,
  renderMetricLine,
} from '../../domain/timelineMetricLane';
import { currentWindow, timeColumn, windowStart } from '../../domain/timelineWindow';
import type { DeckState } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { copyAction } from '../../ui/keymap';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import type { Theme } from '../../ui/theme';
import { TextDetails, textViewHints } from '../TextDetails';
import { filteredLanes, latestEvents, nearestEvent, timelineFilterOf } from './timelineFilter';
import { overviewLine, type StyledRun, styledRuns, tallLaneRows, timelineLayout } from './timelineRows';
import { compareLines, footerLines, headerText, pinList, pinPage, recentLines } from './timelineText';

/** A lane as drawn: a counting lane of the store, or a metric lane of an AI run. */
interface DrawnLane {
  key: string;
  title: string;
  rows: string[];
  /** Where the cells start in each row (failure marks are coloured from there on). */
  cellsFrom: number;
}

function Runs({ runs, theme }: { runs: StyledRun[]; theme: Theme }) {
  return (
    <Text wrap="truncate">
      {runs.map((r, i) =>
        r.mark === 'cursor' || r.mark === 'brush' ? (
          <Text key={i} inverse color={r.mark === 'brush' ? theme.accent : undefined}>
            {r.text}
          </Text>
        ) : r.mark === 'failed' ? (
          <Text key={i} color={theme.error} bold={theme.noColor}>
            {r.text}
          </Text>
        ) : (
          r.text
        ),
      )}
    </Text>
  );
}

/**
 * A list of lines with the cursor's rows `[cursor, cursorEnd)` drawn inverse (an item may take more than a row),
 * scrolled so they stay in view.
 */
function ListRows({
  lines,
  cursor,
  cursorEnd = cursor + 1,
  rows,
  width,
  focused,
}: {
  lines: string[];
  cursor: number;
  cursorEnd?: number;
  rows: number;
  width: number;
  focused: boolean;
}) {
  const around = Math.max(0, Math.floor((rows - (cursorEnd - cursor)) / 2));
  const first = Math.max(0, Math.min(cursor - around, lines.length - rows));
  const shown = lines.slice(first, first + rows);
  while (shown.length < rows) shown.push('');
  return (
    <Box flexDirection="column" width={width} height={rows}>
      {shown.map((l, i) => (
        <Text key={i} inverse={focused && first + i >= cursor && first + i < cursorEnd} wrap="truncate">
          {fitWidth(l, width)}
        </Text>
      ))}
    </Box>
  );
}

function TimelineScreen({ width, height, active }: ScreenProps) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const s = useDeck((st) => st.timeline);
  // The `/` filter (the prompt writes it under this screen's id, as for a table): the events drawn and listed.
  const filterText = useDeck((st) => st.ui.filters.timeline ?? '');
  const filter = useMemo(() => timelineFilterOf(filterText), [filterText]);
  const totalPins = s.pins.length;
  const copy = useCopy();
  const store = actions.timeline.store();
  useEffect(() => actions.timeline.connect(), [actions]);
  useEffect(() => {
    actions.timeline.setShown(active);
    return () => actions.timeline.setShown(false);
  }, [active, actions]);

  const win = currentWindow(s.window, s.now);
  const start = windowStart(win);
  const end = win.end;
  const pinsFocused = s.panel === 'pins';
  const { mainWidth } = timelineLayout(width, height, 0, { pins: totalPins, pinsFocused });
  const hiddenKey = s.hidden.join(',');
  // O(width × lanes): the buckets, never the events. Drawn again only when the store or the window changed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is what says the store changed
  const frame = useMemo(
    () =>
      timelineFrame(
        store,
        start,
        end,
        mainWidth,
        timelineLaneIds.filter((l) => !s.hidden.includes(l)),
      ),
    [store, s.version, start, end, mainWidth, hiddenKey],
  );
  // With a filter the lanes are drawn from the kept events that pass (O(kept events in the window)), not the buckets.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is what says the store changed
  const filtered = useMemo(
    () =>
      filter
        ? filteredLanes(
            store,
            start,
            end,
            mainWidth,
            timelineLaneIds.filter((l) => !s.hidden.includes(l)),
            filter,
          )
        : undefined,
    [store, s.version, start, end, mainWidth, hiddenKey, filter],
  );
  const frameLanes = filtered?.lanes ?? frame.lanes;
  const cells = frame.cells;
  const head = mainWidth - cells;
  const countLanes = frameLanes.filter((l) => !l.empty);
  const metricLanes = s.metricLanes.filter(
    (m) => !s.hidden.includes(m.key) && !metricLaneEmpty(m, start, end),
  );
  const laneCount = countLanes.length + metricLanes.length;
  const layout = timelineLayout(width, height, laneCount, {
    pins: totalPins,
    pinsFocused,
    footerLanes: countLanes.filter((l) => l.lane !== 'events').length,
    grows: [...countLanes.map((l) => l.lane !== 'deploys'), ...metricLanes.map(() => false)],
  });
  const pins = layout.sideWidth > 0 ? pinList(s.pins, s.selected, layout.sideWidth, win.span) : undefined;

  const drawn: DrawnLane[] = [
    ...countLanes.map((l) => ({
      key: l.lane,
      title: timelineLaneTitles[l.lane],
      rows: l.lane === 'deploys' ? [l.line] : tallLaneRows(l.line, l.columns, layout.laneHeight),
      cellsFrom: head,
    })),
    ...metricLanes.map((m) => ({
      key: m.key,
      title: metricLaneTitle(m),
      rows: [renderMetricLine(m, start, end, mainWidth)],
      cellsFrom: head,
    })),
  ];
  const shown = drawn.slice(0, layout.lanesShown);
  const notShown = drawn.slice(layout.lanesShown).map((l) => l.title);

  const cursorIn = s.cursor !== undefined && s.cursor >= start && s.cursor < end;
  const cursorCol = cursorIn && cells > 0 ? timeColumn(start, end, cells, s.cursor as number) : undefined;
  const t = cursorIn ? (s.cursor as number) : end;
  const col = cursorCol ?? Math.max(0, cells - 1);

  // The footer: each shown counting lane's nearest event (within a window of the cursor), and the metrics.
  const footerLanes = countLanes
    .filter((l) => l.lane !== 'events' && shown.some((d) => d.key === l.lane))
    .map((l) => ({
      lane: l.lane,
      title: timelineLaneTitles[l.lane],
      event: filtered
        ? nearestEvent(filtered.events.get(l.lane), t, win.span)
        : store.nearest(l.lane, t, win.span),
    }));
  let chosen: TimelineEvent | undefined;
  for (const l of footerLanes) {
    if (l.event && (!chosen || Math.abs(l.event.time - t) < Math.abs(chosen.time - t))) chosen = l.event;
  }
  const eventsLane = frameLanes.find((l) => l.lane === 'events');
  const metrics = [
    ...(eventsLane
      ? [
          {
            name: timelineLaneTitles.events,
            value: frame.columnMs > 0 ? (eventsLane.columns.counts[col] ?? 0) / (frame.columnMs / 1000) : 0,
          },
        ]
      : []),
    ...metricLanes.map((m) => ({ name: metricLaneTitle(m), value: metricValueAt(m, t, win.span)?.v })),
  ];

  const pickerItems =
    s.panel === 'lanePicker'
      ? [
          ...timelineLaneIds.map((l) => ({ key: l as string, title: timelineLaneTitles[l] })),
          ...s.metricLanes.map((m) => ({ key: m.key, title: `${metricLaneTitle(m)} (x removes)` })),
        ]
      : s.panel === 'aiPicker'
        ? (s.ai?.choices ?? []).map((c) => ({
            key: `${c.run}:${c.metric}`,
            title: `run ${c.run} · ${c.metric} (${c.points.toLocaleString('en-US')} points)`,
          }))
        : [];

  useKeys(
    'screen',
    (press) => {
      const tl = actions.timeline;
      if (s.panel === 'pins') {
        const action = press.action(['timelinePins', 'list']);
        if (action === 'nav.down') tl.movePinCursor(1);
        else if (action === 'nav.up') tl.movePinCursor(-1);
        else if (action === 'nav.pageDown' || action === 'nav.pageUp') {
          // The panel's rows below its title line.
          const dir = action === 'nav.pageDown' ? 1 : -1;
          if (pins) tl.movePinCursor(pinPage(pins.rows, s.pinCursor, dir, Math.max(1, height - 1)));
        } else if (action === 'nav.top') tl.movePinCursor(-totalPins);
        else if (action === 'nav.bottom') tl.movePinCursor(totalPins);
        else if (action === 'timeline.select') tl.toggleSelected();
        else if (action === 'timeline.unpin') tl.removePin();
        else if (action === 'timeline.jump') tl.jumpToPin();
        else if (action === 'timeline.compare') tl.compare();
        else if (action === 'view.back' || action === 'timeline.pins') tl.setPanel('lanes');
        else return false;
        return true;
      }
      if (s.panel === 'lanePicker' || s.panel === 'aiPicker') {
        const lanes = s.panel === 'lanePicker';
        const action = press.action([lanes ? lanePickerView.id : metricPickerView.id, 'list']);
        const item = pickerItems[s.pickerCursor];
        const count = pickerItems.length;
        // The picker's rows: the frame's height less the header and the picker's title line.
        const page = Math.max(1, height - 2);
        if (action === 'nav.down') tl.movePicker(1, count);
        else if (action === 'nav.up') tl.movePicker(-1, count);
        else if (action === 'nav.pageDown') tl.movePicker(page, count);
        else if (action === 'nav.pageUp') tl.movePicker(-page, count);
        else if (action === 'nav.top') tl.movePicker(-count, count);
        else if (action === 'nav.bottom') tl.movePicker(count, count);
        else if (action === 'timeline.toggle' && item) tl.toggleLane(item.key);
        else if (action === 'timeline.unpin' && item) tl.removeMetricLane(item.key);
        else if (action === 'timeline.choose' && !lanes && s.ai?.choices[s.pickerCursor])
          void tl.addMetricLane(s.ai.choices[s.pickerCursor]);
        // Enter with no metric to add (none yet, still reading) closes the picker like Esc.
        else if (action === 'timeline.choose' || action === 'view.back') tl.setPanel('lanes');
        else return false;
        return true;
      }
      const action = press.action(['timeline']);
      if (action === 'timeline.zoomIn') tl.zoom(-1);
      else if (action === 'timeline.zoomOut') tl.zoom(1);
      else if (action === 'timeline.panBack') tl.pan(-0.25);
      else if (action === 'timeline.panForward') tl.pan(0.25);
      else if (action === 'timeline.pageBack') tl.pan(-1);
      else if (action === 'timeline.pageForward') tl.pan(1);
      else if (action === 'timeline.live') tl.follow();
      else if (action === 'timeline.cursorBack') tl.moveCursor(-1, cells);
      else if (action === 'timeline.cursorForward') tl.moveCursor(1, cells);
      else if (action === 'timeline.open') {
        if (chosen) void tl.openEvent(chosen);
        else actions.ui.notify('warn', 'nothing to open: no event near the cursor');
      } else if (action === 'timeline.pin') tl.pin(chosen);
      else if (action === 'timeline.pins') tl.setPanel('pins');
      else if (action === 'timeline.compare') tl.compare();
      else if (action === 'timeline.lanes') tl.setPanel('lanePicker');
      else if (action === 'timeline.addMetric') void tl.openAiPicker();
      else if (action === 'clipboard.copy') copy(chosen?.jobId ?? chosen?.id);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else return false;
      return true;
    },
    active && !s.compare,
  );

  if (s.compare)
    return (
      <TextDetails
        title="Compare pins (Esc back)"
        lines={compareLines(s.compare)}
        width={width}
        height={height}
        active={active}
        onBack={() => actions.timeline.closeCompare()}
      />
    );

  const pinRows = pins?.rows[s.pinCursor] ?? [s.pinCursor + 1, s.pinCursor + 2];
  const side = pins ? (
    <Box flexDirection="column" width={layout.sideWidth} height={height}>
      <ListRows
        lines={pins.lines}
        cursor={pinRows[0]}
        cursorEnd={pinRows[1]}
        rows={height}
        width={layout.sideWidth}
        focused={pinsFocused}
      />
    </Box>
  ) : null;
  if (layout.mainWidth <= 0) return side;

  const overview = overviewLine(store, start, end, s.now, mainWidth);
  const header = headerText({
    start,
    end,
    live: s.window.live,
    total: store.total,
    feed: s.feed,
    pins: totalPins,
    notShown,
    filtered: filtered
      ? `${shownCount(filtered.shown, filtered.total, 'event')}${filtered.partial ? ' (of the newest 5,000 a lane)' : ''}`
      : undefined,
  });
  const bodyRows = Math.max(0, height - 1);
  const picking = s.panel === 'lanePicker' || s.panel === 'aiPicker';
  const pickerLines = picking
    ? s.panel === 'aiPicker' && s.ai?.loading
      ? ['reading the AI runs’ metrics…']
      : s.panel === 'aiPicker' && pickerItems.length === 0
        ? [
            s.ai?.error
              ? `could not read the runs: ${s.ai.error}`
              : 'no experiment run with metrics yet (see the README, AI); Esc back',
          ]
        : pickerItems.map((item) =>
            s.panel === 'lanePicker'
              ? `[${s.hidden.includes(item.key) ? ' ' : 'x'}] ${item.title}`
              : `  ${item.title}`,
          )
    : [];
  // What happened up to the cursor, as text, in the rows the lanes and the footer leave: up to the cursor's time
  // (the one its title prints and the footer's nearest events are measured from, an event at it included), not the
  // end of its column, which would list events after the time the title says.
  const until = cursorCol !== undefined ? Math.floor(t) + 1 : end;
  // With no lane shown, a note says why in the first lane's row.
  const noteRow = shown.length === 0 && height > 4 ? 1 : 0;
  const recentRowsLeft = layout.recentRows - noteRow >= 2 ? layout.recentRows - noteRow : 0;
  const recentCount = Math.max(0, recentRowsLeft - 1);
  const recent =
    recentRowsLeft > 0
      ? latestEvents(
          footerLanes.map((l) =>
            filtered
              ? (filtered.events.get(l.lane) ?? [])
              : store.events(l.lane, start, Math.min(until, end), recentCount),
          ),
          until,
          recentCount,
        )
      : [];
  const recentRows = recentLines({
    events: recent,
    cursor: cursorCol !== undefined,
    t,
    span: win.span,
    width: mainWidth,
    rows: recentRowsLeft,
    filter: filter ? filterText.trim() : undefined,
  });
  const footer = footerLines({
    t,
    cursor: cursorCol !== undefined,
    span: win.span,
    metrics,
    lanes: footerLanes,
    chosen: chosen?.id,
    width: mainWidth,
    rows: layout.footerRows,
  });
  const laneRows = shown.flatMap((l) => l.rows.map((row) => ({ key: l.key, row, cellsFrom: l.cellsFrom })));
  const emptyNote =
    noteRow > 0
      ? s.feed.state === 'replaying'
        ? 'replaying the event stream…'
        : filtered
          ? `no event in this window matches ${JSON.stringify(filterText.trim())}: - widens it, / changes it, Esc clears it`
          : 'nothing happened in this window: - widens it, h pans back'
      : undefined;
  const main = (
    <Box flexDirection="column" width={mainWidth} height={height}>
      <Text color={theme.accent} bold wrap="truncate">
        {fitWidth(header, mainWidth)}
      </Text>
      {picking ? (
        <ListRows
          lines={[
            fitWidth(
              s.panel === 'lanePicker'
                ? ' Lanes: Space shows / hides, Esc done'
                : ' Add an AI run metric lane: Enter adds, Esc back',
              mainWidth,
            ),
            ...pickerLines,
          ]}
          cursor={s.pickerCursor + 1}
          rows={bodyRows}
          width={mainWidth}
          focused
        />
      ) : (
        <>
          {bodyRows > 0 ? (
            <Runs
              runs={styledRuns(overview.line, { brush: [overview.brushFrom, overview.brushTo] })}
              theme={theme}
            />
          ) : null}
          {laneRows.map((l, i) => (
            <Runs
              key={`${l.key}.${i}`}
              runs={styledRuns(l.row, {
                cursor: cursorCol !== undefined ? head + cursorCol : undefined,
                failuresFrom: l.cellsFrom,
              })}
              theme={theme}
            />
          ))}
          {emptyNote ? <Text color={theme.muted}>{fitWidth(` ${emptyNote}`, mainWidth)}</Text> : null}
          {height >= 3 ? <Text color={theme.muted}>{fitWidth(frame.axis, mainWidth)}</Text> : null}
          {footer.map((line, i) => (
            <Text key={i} color={i === 0 ? undefined : theme.muted} wrap="truncate">
              {line}
            </Text>
          ))}
          {recentRows.map((line, i) => (
            <Text key={`r${i}`} color={theme.muted} bold={i === 0} wrap="truncate">
              {line}
            </Text>
          ))}
        </>
      )}
    </Box>
  );
  if (!side) return main;
  return (
    <Box flexDirection="row" width={width} height={height}>
      {main}
      <Box width={1} height={height} />
      {side}
    </Box>
  );
}

const pinsView: ScreenView = {
  id: 'timelinePins',
  title: 'pins',
  scopes: ['list'],
  hints: [
    { action: 'timeline.select', label: 'select' },
    { action: 'timeline.compare', label: 'compare two' },
    { action: 'timeline.jump', label: 'go to' },
    { action: 'timeline.unpin', label: 'unpin' },
    { action: 'view.back', label: 'back' },
  ],
};
/** `v`: which lanes show. */
const lanePickerView: ScreenView = {
  id: 'timelinePicker',
  title: 'lanes',
  scopes: ['list'],
  hints: [
    { action: 'timeline.toggle', label: 'show/hide' },
    { action: 'timeline.choose', label: 'done' },
    { action: 'view.back', label: 'back' },
  ],
};
/** `a`: the AI runs' metrics, one of which becomes a lane; nothing here shows, hides or removes a lane. */
const metricPickerView: ScreenView = {
  id: 'timelineMetricPicker',
  title: 'add a metric lane',
  scopes: ['list'],
  hints: [
    { action: 'timeline.choose', label: 'add' },
    { action: 'view.back', label: 'back' },
  ],
};
const compareView: ScreenView = {
  id: 'timelineCompare',
  title: 'compare',
  scopes: ['log'],
  hints: textViewHints,
};

function timelineView(s: DeckState): ScreenView | undefined {
  if (s.timeline.compare) return compareView;
  if (s.timeline.panel === 'pins') return pinsView;
  if (s.timeline.panel === 'lanePicker') return lanePickerView;
  if (s.timeline.panel === 'aiPicker') return metricPickerView;
  return undefined;
}

/** `:timeline` shows the lanes; `:timeline jobs,errors` only those (the others hidden, `v` brings them back). */
function openLanes(args: string[], actions: Parameters<NonNullable<Screen['open']>>[1]): string | undefined {
  actions.timeline.closeCompare();
  actions.timeline.setPanel('lanes');
  if (!args[0]) return undefined;
  const wanted = args.join(',').split(',').filter(Boolean);
  const unknown = wanted.filter((w) => !(timelineLaneIds as readonly string[]).includes(w));
  if (unknown.length) return `:timeline ${unknown.join(',')}: no such lane (${timelineLaneIds.join(', ')})`;
  actions.timeline.showOnly(wanted);
  return undefined;
}

export const timelineScreen: Screen = {
  id: 'timeline',
  title: 'Timeline',
  short: 'Time',
  aliases: ['time', 'lanes', 'when'],
  actions: [
    { id: 'timeline.zoomIn', keys: ['+', '='], description: 'Zoom in (down to 1 minute)', scope: 'timeline' },
    { id: 'timeline.zoomOut', keys: ['-'], description: 'Zoom out (up to 7 days)', scope: 'timeline' },
    { id: 'timeline.panBack', keys: ['h'], description: 'Back a quarter window', scope: 'timeline' },
    { id: 'timeline.panForward', keys: ['l'], description: 'On a quarter window', scope: 'timeline' },
    { id: 'timeline.pageBack', keys: ['H'], description: 'Back a whole window', scope: 'timeline' },
    { id: 'timeline.pageForward', keys: ['L'], description: 'On a whole window', scope: 'timeline' },
    { id: 'timeline.live', keys: ['0'], description: 'Back to now, following it', scope: 'timeline' },
    { id: 'timeline.cursorBack', keys: ['left'], description: 'Cursor a column back', scope: 'timeline' },
    { id: 'timeline.cursorForward', keys: ['right'], description: 'Cursor a column on', scope: 'timeline' },
    {
      id: 'timeline.open',
      keys: ['enter'],
      description: 'Open the event at the cursor (▸): its job, commit or resource',
      scope: 'timeline',
    },
    {
      id: 'timeline.pin',
      keys: ['p'],
      description: 'Pin the event at the cursor (kept in .cache/timeline-pins.json)',
      scope: 'timeline',
    },
    {
      id: 'timeline.pins',
      keys: ['P'],
      description: 'The pin list (select two, C compares)',
      scope: 'timeline',
    },
    {
      id: 'timeline.compare',
      keys: ['C'],
      description: 'Compare the two selected pins (with only two pins: those)',
      scope: 'timeline',
    },
    { id: 'timeline.lanes', keys: ['v'], description: 'Which lanes show', scope: 'timeline' },
    { id: 'timeline.addMetric', keys: ['a'], description: 'Add an AI run metric lane', scope: 'timeline' },
    {
      id: 'table.filter',
      keys: ['/'],
      description:
        'Filter the events: text, re:regex, glob*, lane:/who:/job:/type:/what:value, !not (Esc clears it)',
      scope: 'timeline',
    },
    copyAction('timeline', "Copy the event's job id (else its id) (OSC 52)"),
    { id: 'timeline.select', keys: ['space'], description: 'Select the pin for C', scope: 'timelinePins' },
    {
      id: 'timeline.compare',
      keys: ['C'],
      description: 'Compare the two selected pins',
      scope: 'timelinePins',
    },
    {
      id: 'timeline.jump',
      keys: ['enter'],
      description: 'Go to the pin (window and cursor)',
      scope: 'timelinePins',
    },
    { id: 'timeline.unpin', keys: ['x', 'delete'], description: 'Unpin', scope: 'timelinePins' },
    { id: 'timeline.pins', keys: ['P'], description: 'Back to the lanes', scope: 'timelinePins' },
    { id: 'view.back', keys: ['esc'], description: 'Back to the lanes', scope: 'timelinePins' },
    { id: 'timeline.toggle', keys: ['space'], description: 'Show / hide the lane', scope: 'timelinePicker' },
    {
      id: 'timeline.unpin',
      keys: ['x', 'delete'],
      description: 'Remove an AI metric lane',
      scope: 'timelinePicker',
    },
    {
      id: 'timeline.choose',
      keys: ['enter'],
      description: 'Done: back to the lanes',
      scope: 'timelinePicker',
    },
    { id: 'view.back', keys: ['esc'], description: 'Back to the lanes', scope: 'timelinePicker' },
    {
      id: 'timeline.choose',
      keys: ['enter'],
      description: 'Add the metric as a lane (with none to add: back)',
      scope: 'timelineMetricPicker',
    },
    { id: 'view.back', keys: ['esc'], description: 'Back to the lanes', scope: 'timelineMetricPicker' },
  ],
  scopes: [],
  hints: [
    { action: 'timeline.zoomIn', label: 'zoom' },
    { action: 'timeline.panBack', label: 'pan' },
    { action: 'timeline.cursorBack', label: 'cursor' },
    { action: 'timeline.pin', label: 'pin' },
    { action: 'timeline.pins', label: 'pins' },
    { action: 'timeline.compare', label: 'compare' },
    { action: 'table.filter', label: 'filter' },
    { action: 'timeline.lanes', label: 'lanes' },
    { action: 'timeline.live', label: 'live' },
  ],
  Component: TimelineScreen,
  view: timelineView,
  open: openLanes,
};
