import { displayWidth, fitWidth } from '../domain/text';
import { fitCell } from './fitCell';

const SEPARATOR = ' · ';

/**
 * `parts` joined by ` · ` in at most `width` columns, for a view's title or a line of values: after the first, a
 * part shows whole or not at all (`max 10…` reads as another value), from the left. The first part names what is
 * shown; the `keep` parts after it always show (a run's id and state), so it is cut in its middle to leave them
 * room (`a-very-long…sweep-2024 · run 6 · COMPLETED`). A `lead` (`Compare 2 runs of `) goes before it, whole.
 */
export function fitParts(
  parts: readonly string[],
  width: number,
  { keep = 0, lead = '' }: { keep?: number; lead?: string } = {},
): string {
  const [first = '', ...rest] = parts.filter(Boolean);
  const kept = rest.slice(0, keep);
  const tail = kept.length ? SEPARATOR + kept.join(SEPARATOR) : '';
  const room = width - displayWidth(lead) - displayWidth(tail);
  // Too narrow even for a cut name beside the kept parts: the line is cut at its end, as any line is.
  if (room < 8) return fitWidth(lead + first + tail, width).trimEnd();
  let line =
    lead + (displayWidth(first) > room ? fitCell(first, room, 'left', 'middle').trimEnd() : first) + tail;
  for (const part of rest.slice(keep)) {
    const next = line + SEPARATOR + part;
    if (displayWidth(next) > width) break;
    line = next;
  }
  return line;
}
