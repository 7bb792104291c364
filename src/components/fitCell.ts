import { displayWidth, fitWidth, PRINTABLE_ASCII } from '../domain/text';

/**
 * A cell's text in exactly `width` columns. Cut at the end by default; with `cut: 'middle'` a value keeps its
 * start and its end (`subnet-0a1…9f2c3`), where ids and bucket names differ; with `cut: 'word'` it ends before
 * a word with digits the cut would split (`start instance in eu-west-1: …`, not `…: i-0cda8c…`).
 */
export function fitCell(
  value: string,
  width: number,
  align: 'left' | 'right' = 'left',
  cut: 'end' | 'middle' | 'word' = 'end',
): string {
  const w = Math.floor(width);
  if (cut === 'word') return fitWidth(beforeSplitWord(value, w), w, align);
  if (cut === 'end' || value.length <= w || w < 5 || !PRINTABLE_ASCII.test(value))
    return fitWidth(value, w, align);
  const tail = Math.floor((w - 1) / 2);
  return `${value.slice(0, w - 1 - tail)}…${value.slice(value.length - tail)}`;
}

/**
 * `value` cut to `width` (fitWidth adds `…`) before the word the cut falls in when that word has a digit (an id, a
 * region or a number cut short reads as another one) or would keep fewer than `wordKeptAtLeast` characters (`/i…`,
 * `resou…` say nothing); a word of letters cut later still reads as itself (`tiny-regr…`).
 */
function beforeSplitWord(value: string, width: number): string {
  if (displayWidth(value) <= width) return value;
  const kept = fitWidth(value, width).trimEnd().slice(0, -1);
  // A cut between two words, or a prefix fitWidth changed (controls stripped), is left as it is.
  if (!value.startsWith(kept) || value[kept.length] === ' ') return value;
  const start = kept.lastIndexOf(' ') + 1;
  const end = value.indexOf(' ', kept.length);
  const word = value.slice(start, end < 0 ? undefined : end);
  const short = kept.length - start < wordKeptAtLeast;
  return start > 0 && (/\d/.test(word) || short) ? `${kept.slice(0, start)}…` : value;
}

const wordKeptAtLeast = 6;
