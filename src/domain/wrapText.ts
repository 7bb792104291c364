import { displayWidth, stripControl } from './text';
import { wrapColumns } from './textColumns';

/** The ` · ` that joins values: where a line breaks it goes (the break separates them). */
const separator = '·';

/**
 * Lines of at most `width` display columns holding all of `text`: broken at spaces, a word longer than a line
 * (a path, a URL) broken after a `/` or `-` in the line's second half, else where the line ends. Nothing is cut off
 * but a ` · ` where a line breaks; newlines in the text start new lines.
 */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, Math.floor(width));
  const out: string[] = [];
  for (const written of text.split(/\r?\n/)) {
    const paragraph = stripControl(written);
    let line = '';
    let lineWidth = 0;
    for (const word of paragraph.split(' ')) {
      const wordWidth = displayWidth(word);
      const gap = line ? 1 : 0;
      if (lineWidth + gap + wordWidth <= w) {
        line += (gap ? ' ' : '') + word;
        lineWidth += gap + wordWidth;
        continue;
      }
      if (line) out.push(line.endsWith(` ${separator}`) ? line.slice(0, -2) : line);
      if (word === separator) {
        line = '';
        lineWidth = 0;
        continue;
      }
      const pieces = longWordPieces(word, w);
      out.push(...pieces.slice(0, -1));
      line = pieces[pieces.length - 1];
      lineWidth = displayWidth(line);
    }
    out.push(line);
  }
  return out;
}

/**
 * A note under a table in at most two lines: the first wrapped at `width`, the rest on the second (cut at the edge
 * when it is longer): a located error (`file:line:col: path: message`) is read whole more often than not.
 */
export function twoLines(text: string, width: number): string[] {
  if (!text) return [];
  const lines = wrapText(text, width);
  if (lines.length <= 2) return lines;
  // The rest as written, not its wrapped lines joined again: a ` · ` dropped where they broke would be lost.
  const flat = stripControl(text.replace(/\r?\n/g, ' '));
  const rest = flat.startsWith(lines[0])
    ? flat.slice(lines[0].length).replace(new RegExp(`^ (${separator} )?`), '')
    : lines.slice(1).join(' ');
  return [lines[0], rest];
}

/**
 * A word wider than `width` in pieces: each ends after the last `/` or `-` of its line when that is in the line's
 * second half (`.cache/timeline-` `pins.json)`, not `…pins.json` `)`), else at the line's end.
 */
function longWordPieces(word: string, width: number): string[] {
  const out: string[] = [];
  let rest = word;
  while (displayWidth(rest) > width) {
    const line = wrapColumns(rest, width)[0];
    const at = Math.max(line.lastIndexOf('/'), line.lastIndexOf('-')) + 1;
    const piece = at > line.length / 2 ? line.slice(0, at) : line;
    out.push(piece);
    rest = rest.slice(piece.length);
  }
  out.push(rest);
  return out;
}
