import { Box, Text } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { fitParts } from '../../components/fitParts';
import {
  isTextViewAction,
  type LogLines,
  LogView,
  type TextViewState,
  textViewStep,
} from '../../components/LogView';
import { useLogSearch } from '../../components/useLogSearch';
import { type AiRunRow, metricNames, paramsText, runDurationMs } from '../../domain/aiRunRows';
import type { SeriesPoint } from '../../domain/downsample';
import { formatMetric } from '../../domain/experimentMetrics';
import { isFinished } from '../../domain/job';
import { fitWidth, stripControl } from '../../domain/text';
import type { RunChart } from '../../state/slices/ai';
import type { DeckActions, DeckState } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { useClock } from '../../ui/useClock';
import { statusColor, tookText } from './aiColumns';
import { askCancel, askRetry } from './aiConfirmations';
import { type MetricChartText, metricChart } from './metricChart';

interface DrawnChart {
  text: MetricChartText;
  count: number;
  min: number;
  max: number;
  last?: SeriesPoint;
}

/** Back to the chart; `all`: no entry is left to close that would send Esc back to another tab (`backFrom`). */
function closeLogOnly(actions: DeckActions): void {
  actions.ui.closeView('aiRun', { all: true });
}

const FOLLOWING: TextViewState = { follow: true, offset: 0, wrap: false, scrollX: 0 };
const noLines: LogLines = { length: 0, at: () => undefined };

/** The metric charted: the one chosen with `m` when the run has it, else the main one, else the first. */
export function chosenMetric(names: readonly string[], chosen: string | undefined): string | undefined {
  return chosen !== undefined && names.includes(chosen) ? chosen : names[0];
}

/** The next (`step` 1) or previous (-1) metric after `current`. */
export function cycleMetric(
  names: readonly string[],
  current: string | undefined,
  step: number,
): string | undefined {
  if (names.length === 0) return undefined;
  const at = current === undefined ? -1 : names.indexOf(current);
  return names[(((at + step) % names.length) + names.length) % names.length];
}

/**
 * `l` in a run: the log alone. Kept in the store, as the run's entry in `ui.views.aiRun`, so the hint line (which the
 * screen's view names from the store) says what `l` does now; it ends with the run view (each opening starts with
 * the chart).
 */
const LOG_ONLY = 'logOnly:';
export function logOnlyOf(s: Pick<DeckState, 'ui' | 'ai'>): boolean {
  const top = s.ui.views.aiRun?.at(-1);
  return top !== undefined && s.ai.run !== undefined && top === `${LOG_ONLY}${s.ai.run}`;
}

/** The lines the chart gets of `rest` (what the header lines leave): most of them, the log keeps at least 3. */
export function chartRowsOf(rest: number, logOnly: boolean): number {
  if (logOnly) return 0;
  if (rest < 6) return Math.max(0, rest - 3);
  return Math.max(3, Math.min(rest - 4, Math.round(rest * 0.6)));
}

/** The series of a chart in the run's order of metrics, the main one first. */
export function chartNames(chart: RunChart | undefined, main: string | undefined): string[] {
  return metricNames([[...(chart?.series.keys() ?? [])].map((name) => ({ name }))], main);
}

/** One metric's chart of `chart` fitted to the pane, from `cache` when this version at this size was drawn. */
function drawChart(
  cache: WeakMap<RunChart, Map<string, DrawnChart>>,
  chart: RunChart | undefined,
  metric: string | undefined,
  {
    width,
    chartRows,
    noColor,
    version,
  }: { width: number; chartRows: number; noColor: boolean; version: number },
): DrawnChart {
  const key = `${metric}|${width}|${chartRows}|${noColor}|${version}`;
  const drawn = chart ? (cache.get(chart) ?? new Map<string, DrawnChart>()) : undefined;
  if (chart && drawn) cache.set(chart, drawn);
  const hit = drawn?.get(key);
  if (hit) return hit;
  const points = metric ? (chart?.series.get(metric) ?? []) : [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (p.y < min) min = p.y;
    if (p.y > max) max = p.y;
  }
  const text =
    chartRows > 0
      ? metricChart([{ points }], { width, height: chartRows, ...(noColor ? {} : { colors: ['cyan'] }) })
      : { lines: [], axis: '' };
  const made = { text, count: points.length, min, max, last: points[points.length - 1] };
  drawn?.set(key, made);
  return made;
}

/**
 * Enter on a run: a line chart of one metric over steps (`m` the next metric), fitted to the pane and drawn again
 * when it is resized or points arrive (at most every `chartRefreshMs`); its checkpoints; its log, followed while it
 * runs (`l`: the log alone), searched with `/` `n` `N` as every log is (so `n` is no new run here).
 */
export function AiRunView({
  row,
  width,
  height,
  active,
  paramsFirst = [],
}: {
  row: AiRunRow;
  /** The params named first (the experiment's grid keys: what tells its runs apart). */
  paramsFirst?: readonly string[];
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const chart = useDeck((s) => s.ai.charts[row.id]);
  const chosen = useDeck((s) => s.ai.metric);
  const log = useDeck((s) => (s.jobs.log?.jobId === row.id ? s.jobs.log : undefined));
  // The log's version changes with every line: read here so this view draws again.
  useDeck((s) => (s.jobs.log?.jobId === row.id ? s.jobs.log.version : 0));
  const [view, setView] = useState(FOLLOWING);
  const logOnly = useDeck(logOnlyOf);
  const setLogOnly = (on: boolean) =>
    on ? actions.ui.openView('aiRun', `${LOG_ONLY}${row.id}`, { fresh: true }) : closeLogOnly(actions);
  useEffect(() => () => closeLogOnly(actions), [actions]);
  const running = !isFinished(row.status);
  const now = useClock(active && running);
  // Another tab opened another job's log meanwhile: this run's comes back with the tab.
  const logOfOther = useDeck((s) => s.jobs.log !== undefined && s.jobs.log.jobId !== row.id);
  useEffect(() => {
    if (active && logOfOther) void actions.jobs.openLog(row.id);
  }, [active, logOfOther, actions, row.id]);

  const version = chart?.version ?? -1;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the series grow in place; `version` says when.
  const names = useMemo(() => chartNames(chart, row.metric?.name), [chart, version, row.metric?.name]);
  const metric = chosenMetric(names, chosen);
  const rest = height - 6;
  const chartRows = chartRowsOf(rest, logOnly);
  const logRows = Math.max(1, rest - chartRows + (chartRows === 0 ? 1 : 0));
  const noColor = theme.noColor;
  // Each metric's chart as drawn for this version of the points and this size: `m` back and forth fits each once.
  const fitted = useRef(new WeakMap<RunChart, Map<string, DrawnChart>>());
  const drawnOf = (name: string | undefined): DrawnChart =>
    drawChart(fitted.current, chart, name, { width, chartRows, noColor, version });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `drawnOf` reads exactly these.
  const drawn = useMemo(() => drawnOf(metric), [chart, version, metric, width, chartRows, noColor]);
  // A finished run's other metrics are fitted while nobody waits, so `m` shows one at once (a 100,000-point
  // series takes tens of ms); a running run's points change too often for that.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `drawnOf` reads exactly these.
  useEffect(() => {
    if (!active || running || !chart || chartRows === 0 || names.length < 2) return undefined;
    const timer = setTimeout(() => {
      for (const name of names) drawnOf(name);
    }, 0);
    return () => clearTimeout(timer);
  }, [active, running, chart, version, names, width, chartRows, noColor]);

  const lines: LogLines = log?.lines ?? noLines;
  const search = useLogSearch({ lines, view, setView, width, height: logRows, active });
  useKeys(
    'screen',
    (press) => {
      const action = press.action(['aiRun', 'log']);
      if (search.act(action)) return true;
      if (action === 'view.back') actions.ai.back();
      else if (action === 'ai.metric') actions.ai.setMetric(cycleMetric(names, metric, 1));
      else if (action === 'ai.metricPrev') actions.ai.setMetric(cycleMetric(names, metric, -1));
      else if (action === 'ai.logOnly') setLogOnly(!logOnly);
      else if (action === 'ai.cancel') askCancel(row, actions, readOnly);
      else if (action === 'ai.retry') askRetry(row, actions, readOnly, 'run');
      else if (action === 'clipboard.copy') copy(row.id);
      else if (action && isTextViewAction(action))
        setView((s) => textViewStep(s, action, lines, search.logHeight, width));
      else return false;
      return true;
    },
    active,
  );

  const took = tookText(runDurationMs(row, now));
  // The run's id and state stay whole at any width: a long experiment name gives way.
  const title = fitParts([row.experiment, `run ${row.id}`, row.status.toUpperCase()], width, { keep: 2 });
  const sub = [
    paramsText(row.params, paramsFirst) || 'no params',
    row.where,
    `took ${took}`,
    row.attempts > 1 ? `attempt ${row.attempts}` : '',
    row.error ? stripControl(row.error) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const at = metric ? names.indexOf(metric) + 1 : 0;
  const metricLine = chart?.error
    ? chart.error
    : chart?.loading && drawn.count === 0
      ? 'reading the metrics…'
      : !metric
        ? running
          ? 'no metric points yet'
          : row.points > 0
            ? // The job's result counted them: the store lost them (`.cache` cleared, a damaged file, Redis flushed).
              `none of its ${row.points} metric points are in the metrics store (cleared or damaged)`
            : 'this run printed no metric lines'
        : // A value shows whole or not at all: `max 10…` would read as another value.
          fitParts(
            [
              `${stripControl(metric)}${names.length > 1 ? ` (${at}/${names.length}, m next)` : ''}`,
              `min ${formatMetric(drawn.min)}`,
              `max ${formatMetric(drawn.max)}`,
              drawn.last ? `last ${formatMetric(drawn.last.y)} at step ${drawn.last.x}` : '',
              `${drawn.count} point${drawn.count === 1 ? '' : 's'}${running ? ' so far' : ''}`,
            ],
            width,
          );
  const checkpoints = chart?.checkpoints.length ? chart.checkpoints : row.checkpoints;
  const lastCheckpoint = checkpoints[checkpoints.length - 1];
  const checkpointLine = lastCheckpoint
    ? `checkpoint${checkpoints.length === 1 ? '' : `s ${checkpoints.length}, last`}: ${stripControl(lastCheckpoint.uri)}${lastCheckpoint.step !== undefined ? ` at step ${lastCheckpoint.step}` : ''}`
    : 'no checkpoints';
  const where = view.follow ? (running ? 'following' : 'end') : 'scrolled';
  // A pane too short for a chart says so, rather than offer `l` to hide one that is not there.
  const chartWord = logOnly ? 'l shows the chart' : chartRows === 0 ? 'no room for the chart' : 'l log only';
  const logLine = `log · ${lines.length} line${lines.length === 1 ? '' : 's'} · ${where}${view.wrap ? ' · wrapped' : ''} · ${chartWord}`;
  const chartLines = drawn.text.lines;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={noColor ? undefined : statusColor[row.status]}>
        {fitWidth(title, width)}
      </Text>
      <Text color={theme.muted}>{fitWidth(stripControl(sub), width)}</Text>
      <Text bold={!chart?.error} color={chart?.error ? theme.error : undefined}>
        {fitWidth(stripControl(metricLine), width)}
      </Text>
      {chartRows > 0 && (
        <Box flexDirection="column" height={chartRows + 1}>
          {Array.from({ length: chartRows }, (_, i) => (
            <Text key={`c${i}`} wrap="truncate">
              {chartLines[i] ?? ''}
            </Text>
          ))}
          <Text color={theme.muted}>{fitWidth(drawn.text.axis, width)}</Text>
        </Box>
      )}
      <Text color={theme.muted}>{fitWidth(checkpointLine, width)}</Text>
      <Text color={theme.muted}>{fitWidth(logLine, width)}</Text>
      <LogView
        lines={lines}
        width={width}
        height={search.logHeight}
        follow={view.follow}
        offset={view.offset}
        rowInLine={view.rowInLine}
        wrap={view.wrap}
        scrollX={view.scrollX}
        emptyMessage={log ? 'no output yet' : 'reading the log…'}
        search={search.highlight}
      />
      {search.line}
    </Box>
  );
}
