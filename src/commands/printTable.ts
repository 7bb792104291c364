import stringWidth from 'string-width';
import { fitWidth } from '../domain/text';

/** What gives way when a table is wider than the terminal: a column cut (with '…') down to `min`, or hidden. */
export type GiveWay = { column: string; min: number } | { column: string; hide: true };

/** How a table fits a terminal (`printTable`'s `fit`). */
export interface TableFit {
  /** The terminal's width; undefined (a pipe, a file): every column whole. */
  width: number | undefined;
  /**
   * What gives way, in this order, until the table fits; a column not named here (an id, a status: what names a
   * row) is never cut, and a table whose whole columns are wider than the terminal is printed wider.
   */
  giveWay: readonly GiveWay[];
}

const gap = 2;

/** The terminal's width; `$COLUMNS` when not one; undefined for a pipe without it (every column whole, for grep). */
export function terminalWidth(io: {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}): number | undefined {
  const tty = (io.stdout as { columns?: unknown }).columns;
  if (typeof tty === 'number' && tty > 0) return tty;
  const env = Number(io.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
}

/** A plain aligned table for humans; scripts use --json. With `fit`, no row is wider than the terminal. */
export function printTable(
  out: NodeJS.WritableStream,
  header: string[],
  rows: string[][],
  fit?: TableFit,
): void {
  const widths = header.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))));
  const shown = fit?.width ? fitColumns(header, widths, fit.width, fit.giveWay) : header.map(() => true);
  const cell = (c: string, i: number) => (stringWidth(c) > widths[i] ? fitWidth(c, widths[i]).trimEnd() : c);
  const line = (cells: string[]) => {
    const kept = cells.map((c, i) => [c, i] as const).filter(([, i]) => shown[i]);
    return kept
      .map(([c, i], k) => {
        const text = cell(c, i);
        return k === kept.length - 1 ? text : text + ' '.repeat(Math.max(0, widths[i] - stringWidth(text)));
      })
      .join(' '.repeat(gap))
      .trimEnd();
  };
  out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

/**
 * Narrows `widths` (in place) by the steps of `giveWay` until the columns fit `width`; which columns are shown.
 * A cut goes only as far as needed, and width a later hide frees goes back to the columns cut before it, the
 * last cut first.
 */
function fitColumns(
  header: string[],
  widths: number[],
  width: number,
  giveWay: readonly GiveWay[],
): boolean[] {
  const shown = header.map(() => true);
  const natural = [...widths];
  const total = () => {
    let sum = 0;
    let n = 0;
    for (const [i, w] of widths.entries()) {
      if (!shown[i]) continue;
      sum += w;
      n++;
    }
    return sum + gap * Math.max(0, n - 1);
  };
  const cut: number[] = [];
  for (const step of giveWay) {
    const over = total() - width;
    if (over <= 0) break;
    const i = header.indexOf(step.column);
    if (i < 0 || !shown[i]) continue;
    if ('hide' in step) {
      shown[i] = false;
      continue;
    }
    const to = Math.max(Math.max(1, step.min), widths[i] - over);
    if (to >= widths[i]) continue;
    widths[i] = to;
    cut.push(i);
  }
  // A hide may have freed more than was needed: give it back, the last cut first.
  for (let slack = width - total(), k = cut.length - 1; slack > 0 && k >= 0; k--) {
    const i = cut[k];
    // A column cut and then hidden takes nothing back: the width goes to one still shown.
    if (!shown[i]) continue;
    const back = Math.min(slack, natural[i] - widths[i]);
    widths[i] += back;
    slack -= back;
  }
  return shown;
}
