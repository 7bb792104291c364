import { displayWidth, graphemes } from '../domain/text';
import { escapeRegex, userRegex } from '../domain/userRegex';

/** Where a match lies in a line as drawn: display columns [from, to). */
export interface ColumnRange {
  from: number;
  to: number;
}

/**
 * What a log search looks for, read as the table filter reads its text: `text` is a substring in any case,
 * `re:regex` a regular expression, also in any case. A bad regex is an error value, never a throw.
 */
export function searchPattern(text: string): { ok: true; pattern: RegExp } | { ok: false; error: string } {
  const body = text.trim();
  const compiled = userRegex(body.startsWith('re:') ? body.slice(3) : escapeRegex(body), 'gi');
  return compiled.ok
    ? { ok: true, pattern: compiled.re }
    : { ok: false, error: `search ${JSON.stringify(body)}: invalid regex: ${compiled.reason}` };
}

/** The matches of `pattern` (a global regex) in `text` (free of control sequences), left to right; empty ones skipped. */
export function matchesIn(text: string, pattern: RegExp): ColumnRange[] {
  const out: ColumnRange[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    const from = displayWidth(text.slice(0, m.index));
    out.push({ from, to: from + displayWidth(m[0]) });
  }
  return out;
}

/**
 * A row as drawn (`text`, starting at display column `from` of its line) cut where `ranges` begin and end: each
 * piece with the range it lies in, if any.
 */
export function rowSegments(
  text: string,
  from: number,
  ranges: readonly ColumnRange[],
): Array<{ text: string; range?: ColumnRange }> {
  const out: Array<{ text: string; range?: ColumnRange }> = [];
  let column = from;
  for (const { segment } of graphemes.segment(text)) {
    const range = ranges.find((r) => r.from <= column && column < r.to);
    const last = out[out.length - 1];
    if (last && last.range === range) last.text += segment;
    else out.push(range ? { text: segment, range } : { text: segment });
    column += displayWidth(segment);
  }
  return out;
}
