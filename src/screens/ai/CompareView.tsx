import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { fitParts } from '../../components/fitParts';
import { type AiRunRow, metricNames, paramsDiff } from '../../domain/aiRunRows';
import { formatMetric } from '../../domain/experimentMetrics';
import { fitWidth, stripControl } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { chosenMetric, cycleMetric } from './AiRunView';
import { statusColor } from './aiColumns';
import { metricChart, runColors, runMarkers } from './metricChart';

/** `lr        0.1       0.01`: a params diff as lines, the name then one column per run. */
export function diffLines(
  runs: readonly AiRunRow[],
  width: number,
): { header: string; rows: string[]; same: string; differ: string[] } {
  const diff = paramsDiff(runs);
  const nameWidth = Math.min(16, Math.max(6, ...diff.differ.map((d) => d.name.length)));
  const cell = Math.max(4, Math.floor((width - nameWidth - 1) / Math.max(1, runs.length)));
  const line = (name: string, values: readonly string[]) =>
    fitWidth(
      `${fitWidth(name, nameWidth)} ${values.map((v) => fitWidth(stripControl(v), cell - 1)).join(' ')}`,
      width,
    );
  return {
    differ: diff.differ.map((d) => d.name),
    header: line(
      'PARAM',
      runs.map((r) => `run ${r.id}`),
    ),
    rows: diff.differ.map((d) => line(d.name, d.values)),
    same: diff.same.length
      ? `same in every run: ${stripControl(diff.same.map((s) => `${s.name}=${s.value}`).join(' '))}`
      : 'no param is the same in every run',
  };
}

/**
 * 2–4 runs selected with Space, then Enter (or `d`): one chart of a metric they print (`m` the next), a colour per
 * run, and without colour a marker per run (`* o + x`, named in the legend); under it the params that differ.
 */
export function CompareView({
  rows,
  width,
  height,
  active,
}: {
  rows: readonly AiRunRow[];
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const charts = useDeck((s) => s.ai.charts);
  const chosen = useDeck((s) => s.ai.metric);
  const noColor = theme.noColor;
  const main = rows[0]?.metric?.name;
  const names = useMemo(
    () =>
      metricNames(
        rows.map((r) => [...(charts[r.id]?.series.keys() ?? [])].map((name) => ({ name }))),
        main,
      ),
    [rows, charts, main],
  );
  const metric = chosenMetric(names, chosen);
  const diff = useMemo(() => diffLines(rows, width), [rows, width]);
  // The params diff takes what it needs up to a third of the height; the chart the rest.
  const diffShown = Math.max(0, Math.min(diff.rows.length, Math.floor(height / 3) - 2));
  const chartRows = Math.max(2, height - 1 - rows.length - 1 - (diffShown + 2));
  const drawn = useMemo(
    () =>
      metricChart(
        rows.map((r) => ({ points: (metric && charts[r.id]?.series.get(metric)) || [] })),
        {
          width,
          height: chartRows,
          ...(noColor
            ? { markers: runMarkers }
            : { colors: rows.map((_, k) => runColors[k % runColors.length]) }),
        },
      ),
    // `charts` is a new object whenever a compared run's chart has new points (its version).
    [rows, charts, metric, width, chartRows, noColor],
  );

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['aiCompare']);
      if (action === 'view.back') actions.ai.back();
      else if (action === 'ai.metric') actions.ai.setMetric(cycleMetric(names, metric, 1));
      else if (action === 'ai.metricPrev') actions.ai.setMetric(cycleMetric(names, metric, -1));
      else if (action === 'clipboard.copy') copy(rows.map((r) => r.id).join(' '));
      else return false;
      return true;
    },
    active,
  );

  const loading = rows.some((r) => charts[r.id]?.loading);
  const errors = rows.flatMap((r) => (charts[r.id]?.error ? [charts[r.id]!.error!] : []));
  const charted = metric
    ? `${stripControl(metric)}${names.length > 1 ? ` (${names.indexOf(metric) + 1}/${names.length}, m next)` : ''}`
    : loading
      ? 'reading the metrics…'
      : 'no metric in common';
  // The metric charted stays whole: a long experiment name gives way to it.
  const title = (error?: string) =>
    fitParts([rows[0]?.experiment ?? '?', charted, error ?? ''], width, {
      keep: error ? 2 : 1,
      lead: `Compare ${rows.length} runs of `,
    });
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={errors.length ? theme.error : theme.accent}>
        {fitWidth(title(errors[0]), width)}
      </Text>
      {rows.map((r, k) => {
        const points = metric ? charts[r.id]?.series.get(metric) : undefined;
        const last = points?.[points.length - 1];
        const mark = noColor ? runMarkers[k % runMarkers.length] : '━━';
        const text = ` run ${r.id} ${r.status} · ${diff.differ.map((n) => `${n}=${r.params[n] ?? '—'}`).join(' ') || 'same params'}${
          last ? ` · last ${formatMetric(last.y)} at step ${last.x}` : ''
        }`;
        return (
          <Text key={r.id}>
            <Text color={noColor ? undefined : runColors[k % runColors.length]} bold>
              {mark}
            </Text>
            <Text color={noColor ? undefined : statusColor[r.status]}>
              {fitWidth(stripControl(text), width - mark.length)}
            </Text>
          </Text>
        );
      })}
      <Box flexDirection="column" height={chartRows + 1}>
        {Array.from({ length: chartRows }, (_, i) => (
          <Text key={`c${i}`} wrap="truncate">
            {drawn.lines[i] ?? ''}
          </Text>
        ))}
        <Text color={theme.muted}>{fitWidth(drawn.axis, width)}</Text>
      </Box>
      <Text bold>{fitWidth(diff.rows.length ? diff.header : 'PARAMS: the same in every run', width)}</Text>
      {diff.rows.slice(0, diffShown).map((line, i) => (
        <Text key={`d${i}`}>{line}</Text>
      ))}
      <Text color={theme.muted}>
        {fitWidth(
          `${diff.rows.length > diffShown ? `${diff.rows.length - diffShown} more differ (a taller terminal shows them) · ` : ''}${diff.same}`,
          width,
        )}
      </Text>
    </Box>
  );
}
