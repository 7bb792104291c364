import { Text } from 'ink';
import type { ReactNode } from 'react';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * Exactly `width` characters, the most recent values on the right. The scale runs from 0 to `max`
 * (default: the largest value shown): 0 is '▁' (a flat baseline, still "there is data"), `max` and above
 * are '█'. Columns with no data (left padding) and non-finite values are ' '; negatives count as 0.
 */
export function sparkline(values: readonly number[], width: number, max?: number): string {
  const w = Math.max(0, Math.floor(width));
  if (w === 0) return '';
  const recent = values.slice(-w);
  let top = max;
  if (top === undefined || !Number.isFinite(top)) {
    top = 0;
    for (const v of recent) if (Number.isFinite(v) && v > top) top = v;
  }
  let out = ' '.repeat(w - recent.length);
  for (const v of recent) {
    if (!Number.isFinite(v)) out += ' ';
    else if (top <= 0 || v <= 0) out += BARS[0];
    else out += BARS[Math.min(BARS.length - 1, Math.round((v / top) * (BARS.length - 1)))];
  }
  return out;
}

export interface SparklineProps {
  values: readonly number[];
  width: number;
  max?: number;
  color?: string;
}

export function Sparkline({ values, width, max, color }: SparklineProps): ReactNode {
  return (
    <Text color={color} wrap="truncate-end">
      {sparkline(values, width, max)}
    </Text>
  );
}
