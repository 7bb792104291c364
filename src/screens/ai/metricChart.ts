import asciichart from 'asciichart';
import type { SeriesPoint } from '../../domain/downsample';
import { formatMetric } from '../../domain/experimentMetrics';
import { chartValues, spanColumns } from '../../domain/metricChartValues';
import { fitWidth } from '../../domain/text';

/** Ink colour names of the runs of a chart, in order (red is left for failures). */
export const runColors = ['cyan', 'magenta', 'yellow', 'green'] as const;
/** What draws each run's line without colour: one character per run, told apart in the legend. */
export const runMarkers = ['*', 'o', '+', 'x'] as const;

const sgr: Record<(typeof runColors)[number], string> = {
  cyan: asciichart.cyan,
  magenta: asciichart.magenta,
  yellow: asciichart.yellow,
  green: asciichart.green,
};

const boxSymbols = ['┼', '┤', '╶', '╴', '─', '╰', '╭', '╮', '╯', '│'];
/** A line drawn with one character: every piece of it is the marker (the axis keeps its own). */
const markerSymbols = (marker: string) => ['┼', '┤', ...Array<string>(8).fill(marker)];

/** The widest a y label may be: past it, labels are cut (they are all the same width). */
const maxLabel = 10;

export interface ChartSeries {
  points: readonly SeriesPoint[];
}

export interface MetricChartText {
  /** `height` lines (fewer when there is nothing to draw), each at most `width` columns, SGR colours included. */
  lines: string[];
  /** The step axis under the chart: the first, the middle and the last step. */
  axis: string;
}

/**
 * A line chart of one or more series over a shared step axis, drawn by asciichart into exactly `width` x `height`.
 * Each series is fitted to the columns its steps span (`chartValues`: long ones keep each stretch's min and max,
 * so the y range is the real one). Each series is plotted on its own over the same y range, then the plots are
 * laid over each other cell by cell: a cell belongs to the last series that drew in it. With `colors` a series'
 * cells are wrapped in its SGR colour (asciichart's own sequences); without, a single series keeps the box
 * lines and several are drawn with `markers`, one character each.
 */
export function metricChart(
  series: readonly ChartSeries[],
  opts: {
    width: number;
    height: number;
    colors?: readonly (string | undefined)[];
    markers?: readonly string[];
  },
): MetricChartText {
  const drawn = series.filter((s) => s.points.length > 0);
  const rows = Math.max(1, Math.floor(opts.height));
  if (drawn.length === 0 || opts.width < 8) return { lines: [], axis: '' };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  for (const s of drawn) {
    for (const p of s.points) {
      if (p.y < min) min = p.y;
      if (p.y > max) max = p.y;
    }
    x0 = Math.min(x0, s.points[0].x);
    x1 = Math.max(x1, s.points[s.points.length - 1].x);
  }
  const range = max - min;
  // The labels asciichart will print (one per row, top to bottom), all as wide as the widest.
  const labelAt = (i: number) => (rows > 1 && range > 0 ? max - (i * range) / (rows - 1) : max);
  // At least as wide as `step`, which names the axis under the labels: one-digit labels would cut it to `…`.
  let labelWidth = 'step'.length;
  for (let i = 0; i < rows; i++) labelWidth = Math.max(labelWidth, formatMetric(labelAt(i)).length);
  labelWidth = Math.min(maxLabel, labelWidth);
  const prefix = labelWidth + 2; // the label, a space, the axis
  const columns = Math.max(2, Math.floor(opts.width) - prefix);
  const format = (value: number) => `${fitWidth(formatMetric(value), labelWidth, 'right')} `;
  const several = drawn.length > 1;

  // cells[row][col]: the character, and which series drew it (-1: the label and the axis, or nothing).
  let cells: string[][] | undefined;
  let owner: number[][] | undefined;
  drawn.forEach((s, k) => {
    const span = several ? spanColumns(s.points[s.points.length - 1].x, x0, x1, columns) : columns;
    const values = chartValues(s.points, span);
    const marker = several && !opts.colors ? opts.markers?.[k % opts.markers.length] : undefined;
    const plot = asciichart
      .plot(values, {
        min,
        max,
        height: rows - 1,
        offset: 2,
        format,
        symbols: marker ? markerSymbols(marker) : boxSymbols,
      })
      .split('\n')
      .map((line) => [...line]);
    if (!cells || !owner) {
      // The first plot gives the labels and the axis (without its first value's mark: every line starts at the axis).
      cells = plot.map((line) =>
        line.map((ch, col) => (col < prefix - 1 ? ch : col === prefix - 1 ? '┤' : ' ')),
      );
      owner = plot.map((line) => line.map(() => -1));
    }
    for (let r = 0; r < plot.length && r < cells.length; r++) {
      for (let c = prefix; c < plot[r].length; c++) {
        if (plot[r][c] === ' ') continue;
        cells[r][c] = plot[r][c];
        owner[r][c] = k;
      }
    }
  });
  const lines = (cells ?? []).slice(0, rows).map((line, r) => {
    let out = line.slice(0, prefix).join('');
    let run = '';
    let runOwner = -1;
    const flush = () => {
      if (!run) return;
      const color = runOwner >= 0 ? opts.colors?.[runOwner] : undefined;
      out += color ? asciichart.colored(run, sgr[color as keyof typeof sgr] ?? color) : run;
      run = '';
    };
    for (let c = prefix; c < line.length; c++) {
      const who = owner?.[r][c] ?? -1;
      if (who !== runOwner) {
        flush();
        runOwner = who;
      }
      run += line[c];
    }
    flush();
    return out.replace(/ +$/, '');
  });
  return { lines, axis: stepAxis(x0, x1, labelWidth, columns) };
}

/** `   step 1            100            200`: under the chart's first, middle and last column. */
function stepAxis(x0: number, x1: number, labelWidth: number, columns: number): string {
  const cells = Array<string>(columns).fill(' ');
  const put = (text: string, at: number) => {
    const from = Math.max(0, Math.min(columns - text.length, at));
    for (let i = 0; i < text.length && from + i < columns; i++) cells[from + i] = text[i];
  };
  const first = String(x0);
  const last = String(x1);
  put(first, 0);
  if (x1 !== x0) put(last, columns - last.length);
  const mid = String(Math.round((x0 + x1) / 2));
  if (x1 - x0 > 1 && columns >= first.length + last.length + mid.length + 6)
    put(mid, Math.floor(columns / 2) - Math.floor(mid.length / 2));
  return `${fitWidth('step', labelWidth, 'right')}  ${cells.join('')}`.replace(/ +$/, '');
}
