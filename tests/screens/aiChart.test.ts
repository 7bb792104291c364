import { describe, expect, it } from 'vitest';
import { chartValues, rangeSparkline } from '../../src/domain/metricChartValues';
import { metricChart } from '../../src/screens/ai/metricChart';

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('the AI tab’s chart', () => {
  it('cuts 200,000 points down to the columns without losing a one-point spike or the lowest value', () => {
    const points = Array.from({ length: 200_000 }, (_, i) => ({ x: i, y: 1 + Math.sin(i / 3000) }));
    points[123_457].y = 9;
    points[77_001].y = -4;
    const values = chartValues(points, 70);
    expect(values.length).toBeLessThanOrEqual(70);
    expect(Math.max(...values)).toBe(9);
    expect(Math.min(...values)).toBe(-4);
    const chart = metricChart([{ points }], { width: 80, height: 12 });
    expect(chart.lines).toHaveLength(12);
    for (const line of chart.lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(chart.lines[0]).toMatch(/^ +9 ┤/);
    expect(chart.lines[11]).toMatch(/^ +-4 ┤/);
    expect(chart.axis).toMatch(/^ *step +0 .* 199999$/);
  });

  it('stretches a short series over the width, each point exact on its own column', () => {
    const values = chartValues(
      [
        { x: 1, y: 3 },
        { x: 2, y: 1 },
        { x: 3, y: 2 },
      ],
      9,
    );
    expect(values).toEqual([3, 2.5, 2, 1.5, 1, 1.25, 1.5, 1.75, 2]);
  });

  it('colours each series with its own SGR only when asked, and marks each with its own character otherwise', () => {
    const a = Array.from({ length: 30 }, (_, i) => ({ x: i, y: i }));
    const b = Array.from({ length: 30 }, (_, i) => ({ x: i, y: 30 - i }));
    const coloured = metricChart([{ points: a }, { points: b }], {
      width: 60,
      height: 8,
      colors: ['cyan', 'magenta'],
    });
    expect(coloured.lines.join('\n')).toContain('\x1b[36m');
    expect(coloured.lines.join('\n')).toContain('\x1b[35m');
    const marked = metricChart([{ points: a }, { points: b }], { width: 60, height: 8, markers: ['*', 'o'] });
    const text = marked.lines.join('\n');
    expect(text).not.toMatch(/\x1b/);
    expect(text).toContain('*');
    expect(text).toContain('o');
    expect(text.replace(/[^┤]*┤/g, '')).not.toMatch(/[╭╮╰╯─│]/);
    for (const line of [...coloured.lines, ...marked.lines])
      expect(plain(line).length).toBeLessThanOrEqual(60);
  });

  it('names the step axis in full when the values are one digit wide', () => {
    const chart = metricChart([{ points: [{ x: 0, y: 1 }] }], { width: 40, height: 4 });
    expect(chart.axis).toMatch(/^step {2}0$/);
    expect(chart.lines[0]).toMatch(/^ {3}1 ┤/);
    const short = metricChart([{ points: [0, 1, 2, 3].map((x) => ({ x, y: x })) }], { width: 40, height: 4 });
    expect(short.axis).toMatch(/^step {2}0 .* 3$/);
  });

  it('draws a sparkline from the values’ own min to their max', () => {
    expect(rangeSparkline([0.85, 0.86, 0.88], 5)).toBe('  ▁▃█');
    expect(rangeSparkline([2, 2], 3)).toBe(' ▄▄');
  });
});
