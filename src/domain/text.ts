import stringWidth from 'string-width';

/** Anything that may need work: C0/DEL/C1 controls, separators, bidi overrides, surrogates, noncharacters. */
const SUSPECT = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]/;
export const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const TAB_STOP = 8;
const ESC = 0x1b;
const BEL = 0x07;
const C1_ST = 0x9c;

/**
 * Where the escape sequence starting at `i` (an ESC or a C1 introducer) ends, exclusive.
 * An unterminated string sequence (OSC, DCS...) only loses its introducer, so no text is hidden.
 */
function escapeEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  let kind: 'csi' | 'string' | 'other';
  let j: number;
  if (c === ESC) {
    const n = s.charCodeAt(i + 1);
    if (Number.isNaN(n)) return i + 1;
    if (n === 0x5b) kind = 'csi';
    else if (n === 0x5d || n === 0x50 || n === 0x58 || n === 0x5e || n === 0x5f) kind = 'string';
    else kind = 'other';
    j = i + 2;
    if (kind === 'other') {
      // nF (ESC, intermediates 0x20-0x2f, final 0x30-0x7e) and two-character escapes (ESC 7, ESC =, ESC M).
      j = i + 1;
      while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
      const f = s.charCodeAt(j);
      return f >= 0x30 && f <= 0x7e ? j + 1 : i + 1;
    }
  } else {
    // C1 forms: 0x9b CSI; 0x9d OSC, 0x90 DCS, 0x98 SOS, 0x9e PM, 0x9f APC.
    kind = c === 0x9b ? 'csi' : 'string';
    j = i + 1;
  }
  if (kind === 'csi') {
    while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x3f) j++;
    while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
    const f = s.charCodeAt(j);
    // A malformed CSI is cut where it broke: the offending character is handled on its own.
    return f >= 0x40 && f <= 0x7e ? j + 1 : j;
  }
  for (let k = j; k < s.length; k++) {
    const t = s.charCodeAt(k);
    if (t === BEL || t === C1_ST) return k + 1;
    if (t === ESC && s.charCodeAt(k + 1) === 0x5c) return k + 2;
  }
  return j;
}

function isStringOrCsiIntroducer(c: number): boolean {
  return c === 0x9b || c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f;
}

/**
 * Make streamed text safe to put on the screen: escape sequences (CSI, OSC ending in BEL or ST, DCS/APC/PM/SOS,
 * two-character escapes) and C0/DEL/C1 controls are removed, tabs become spaces up to the next 8-column stop,
 * bidi overrides are removed, lone surrogates and noncharacters become U+FFFD.
 * A carriage return behaves like on a terminal that then erases the line: only the text after the last `\r`
 * that is followed by text is kept (`"10%\r20%\r30%"` -> `"30%"`), so progress bars show their latest state.
 */
export function stripControl(s: string): string {
  if (!SUSPECT.test(s)) return s;
  let out = '';
  let runStart = 0; // index in `out` after the last tab/reset, to measure columns lazily
  let runCol = 0; // display column at runStart
  let pendingCR = false;
  const emit = (text: string) => {
    if (pendingCR) {
      out = '';
      runStart = 0;
      runCol = 0;
      pendingCR = false;
    }
    out += text;
  };
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === ESC || isStringOrCsiIntroducer(c)) {
      i = escapeEnd(s, i);
      continue;
    }
    if (c === 0x09) {
      if (pendingCR) emit('');
      const col = runCol + stringWidth(out.slice(runStart));
      out += ' '.repeat(TAB_STOP - (col % TAB_STOP));
      runStart = out.length;
      runCol = col + (TAB_STOP - (col % TAB_STOP));
      i++;
      continue;
    }
    if (c === 0x0d) {
      pendingCR = true;
      i++;
      continue;
    }
    if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    ) {
      i++;
      continue;
    }
    if (c === 0x2028 || c === 0x2029) {
      emit(' ');
      i++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        emit(s.slice(i, i + 2));
        i += 2;
      } else {
        emit('\ufffd');
        i++;
      }
      continue;
    }
    if ((c >= 0xdc00 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) {
      emit('\ufffd');
      i++;
      continue;
    }
    // Copy the run of ordinary characters in one go.
    let j = i + 1;
    while (j < s.length) {
      const d = s.charCodeAt(j);
      if (
        d < 0x20 ||
        (d >= 0x7f && d <= 0x9f) ||
        (d >= 0x2028 && d <= 0x202e) ||
        (d >= 0x2066 && d <= 0x2069)
      )
        break;
      if (d >= 0xd800 && d <= 0xdfff) break;
      if (d === 0xfffe || d === 0xffff) break;
      j++;
    }
    emit(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Splits text into what a terminal draws as one character each (a base with its combining marks, an emoji). */
export const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Display width of text as the terminal (and Ink) counts it: wide CJK and emoji take 2 columns. */
export function displayWidth(s: string): number {
  return PRINTABLE_ASCII.test(s) ? s.length : stringWidth(s);
}

/**
 * Exactly `width` columns: truncated with '…' by display width (a wide character that would straddle
 * the edge is replaced by padding), then padded. Controls are stripped first, so the result is always one line.
 */
export function fitWidth(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const w = Math.floor(width);
  if (!(w > 0)) return '';
  let text = s;
  let textWidth: number;
  if (PRINTABLE_ASCII.test(text)) {
    textWidth = text.length;
    if (textWidth > w) {
      text = `${text.slice(0, w - 1)}…`;
      textWidth = w;
    }
  } else {
    if (SUSPECT.test(text)) text = stripControl(text);
    textWidth = stringWidth(text);
    if (textWidth > w) {
      let kept = '';
      let keptWidth = 0;
      for (const { segment } of graphemes.segment(text)) {
        const g = stringWidth(segment);
        if (keptWidth + g > w - 1) break;
        kept += segment;
        keptWidth += g;
      }
      text = `${kept}…`;
      textWidth = keptWidth + 1;
    }
  }
  const pad = ' '.repeat(w - textWidth);
  return align === 'right' ? pad + text : text + pad;
}

const AGE_UNITS: readonly [number, string][] = [
  [365 * 86400, 'y'],
  [7 * 86400, 'w'],
  [86400, 'd'],
  [3600, 'h'],
  [60, 'm'],
];

/**
 * How far ahead of this host's clock a time may be and still read as now. The console's clocks redraw every 1-5 s
 * (an age computed from the last tick runs behind a time just recorded) and hosts drift by seconds; further ahead,
 * a clock is wrong (this host's or AWS's) or the data is bad, and no age is honest.
 */
export const FUTURE_SLACK_MS = 10_000;

/**
 * Compact age like kubectl, from milliseconds: `5s`, `3m`, `2h`, `4d`, `3w`, `2y` (floored). A time up to
 * FUTURE_SLACK_MS in the future is `0s`; further ahead (clock skew, bad cached data), like NaN, it is `-`: a table
 * says it has no age to give rather than a wrong one.
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < -FUTURE_SLACK_MS) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  for (const [size, unit] of AGE_UNITS) {
    if (s >= size) return `${Math.floor(s / size)}${unit}`;
  }
  return `${s}s`;
}

/**
 * An age in words for a sentence, from milliseconds: `just now`, `40 s ago`, `3 min ago`, `2 h ago`, `5 d ago`.
 * The same rule as formatAge: up to FUTURE_SLACK_MS ahead is `just now`; further, the sentence says the time is
 * in the future and by how much (`2 h in the future`), as git says "in the future" of a commit dated ahead.
 */
export function formatAgo(ms: number): string {
  if (!Number.isFinite(ms)) return 'at an unknown time';
  if (ms < -FUTURE_SLACK_MS) return `${agoWords(-ms)} in the future`;
  // `just now` only while an age cell beside it reads `0s` (`AGE 4s` beside `just now` read as two instants).
  if (Math.floor(ms / 1000) < 1) return 'just now';
  return `${agoWords(ms)} ago`;
}

/** formatAge for a cell that says `ago` (`3m ago`); a time with no honest age is `-`, not `- ago`. */
export function formatAgeAgo(ms: number): string {
  const age = formatAge(ms);
  return age === '-' ? age : `${age} ago`;
}

function agoWords(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/**
 * Splits a palette line into words like a shell would, without running one: `'…'` is literal, `"…"` keeps
 * spaces and only `\"` and `\\` are escapes inside it (`:run sh -c "echo hi"`, `:run printf "a\tb"`).
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) {
    if (m[1] !== undefined) words.push(m[1]);
    else if (m[2] !== undefined) words.push(m[2].replace(/\\(["\\])/g, '$1'));
    else words.push(m[3]);
  }
  return words;
}
