import { stripControl } from './text';

/**
 * Log templates, Drain-style (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth Tree", 2017):
 * variable parts are folded into placeholders first, then each line joins the most similar template of its
 * length and first constant tokens, or starts a new one. One pass, bounded memory, no training.
 *
 * Placeholders: `<TS>` (timestamps, dates, times), `<UUID>`, `<IP>` (v4 with port, v6), `<HEX>` (hashes,
 * 0x…), `<NUM>` (numbers with a unit: 12ms, 3.5s, 80%), `<ID>` (tokens mixing letters and digits: pod names,
 * instance ids), `<*>` (a position that differed between lines of one template).
 *
 * One deliberate difference from Drain: two lines that differ only in plain words (`Started` / `Stopped`)
 * never share a template. Drain merges them into `<*>`; here "what appeared" must show the `Stopped` line.
 */

export const wildcard = '<*>';

const masks: readonly [RegExp, string][] = [
  // 2024-06-12T10:04:05.123Z, 2024-06-12 10:04:05,123 +02:00
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|\s?[+-]\d{2}:?\d{2})?/g, '<TS>'],
  // nginx/apache: 12/Jun/2024:10:04:05 +0000
  [/\b\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?/g, '<TS>'],
  // syslog: Jun 12 10:04:05
  [/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2}\b/g, '<TS>'],
  [/\b\d{4}[-/]\d{2}[-/]\d{2}\b/g, '<TS>'],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<TS>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<UUID>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '<IP>'],
  // IPv6 (fe80::1ff:fe23:4567:890a, ::1): hex groups and at least two colons, with a digit somewhere.
  [/(?<![\w:.])(?=[0-9a-f:]*\d)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])/gi, '<IP>'],
  [/\b0x[0-9a-f]+\b/gi, '<HEX>'],
  // A hash: 7+ hex digits with at least one digit and one letter (a plain number is <NUM>, a word stays).
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, '<HEX>'],
];

const numberPattern =
  /(?<![A-Za-z0-9<])[-+]?\d+(?:[.,]\d+)*(?:ms|us|µs|ns|s|m|h|d|[kKMG]i?B|B|%|k)?(?![A-Za-z0-9])/g;
/** A run of letters and digits (with - _ .) holding both: pod and instance names, request ids. */
const idPattern = /(?<![A-Za-z0-9<])[A-Za-z0-9][A-Za-z0-9_.-]*(?![A-Za-z0-9>])/g;

function isIdLike(s: string): boolean {
  let digits = 0;
  let letters = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
  }
  return digits > 0 && letters > 0 && (digits >= 3 || (digits >= 2 && s.length >= 6));
}

const maxLineLength = 2_000;
const maxTokens = 80;

/** A line's tokens with the variable parts folded into placeholders. */
export function maskLine(line: string): string[] {
  let s = stripControl(line.length > maxLineLength ? line.slice(0, maxLineLength) : line);
  for (const [re, placeholder] of masks) s = s.replace(re, placeholder);
  s = s.replace(/<TS>(?:[ T]<TS>)+/g, '<TS>'); // 2024/06/12 10:31:05: a date and a time are one moment
  s = s.replace(idPattern, (m) => (isIdLike(m) ? '<ID>' : m));
  s = s.replace(numberPattern, '<NUM>');
  const tokens = s.split(/\s+/).filter((t) => t.length > 0);
  if (tokens.length > maxTokens) tokens.splice(maxTokens - 1, tokens.length, '…');
  return tokens;
}

function hasVariable(token: string): boolean {
  return token.includes('<') && /<(?:\*|TS|UUID|IP|HEX|NUM|ID)>/.test(token);
}

/** A position two lines may differ at and still share a template: anything but two plain words. */
function mayDiffer(a: string, b: string): boolean {
  return a === wildcard || hasVariable(a) || hasVariable(b) || /\d/.test(a) || /\d/.test(b);
}

export interface LogTemplate {
  template: string;
  /** Lines per side (`[all]` for one set of lines, `[before, after]` for a shift). */
  counts: number[];
  /** The first line that made it (control sequences stripped). */
  example: string;
}

interface Cluster {
  tokens: string[];
  counts: number[];
  example: string;
}

export interface LogPatternOptions {
  /** Share of equal positions for a line to join a template (Drain's `st`). */
  similarity?: number;
  /** Templates kept; past it a line joins its most similar template (or is counted in `unmatched`). */
  maxTemplates?: number;
}

/** Templates of lines fed one by one, counted per side (0 = before, 1 = after). */
export class LogPatternMiner {
  private readonly leaves = new Map<string, Cluster[]>();
  private readonly clusters: Cluster[] = [];
  private readonly similarity: number;
  private readonly maxTemplates: number;
  readonly lines = [0, 0];
  unmatched = 0;

  constructor(
    private readonly sides = 1,
    opts: LogPatternOptions = {},
  ) {
    this.similarity = opts.similarity ?? 0.5;
    this.maxTemplates = opts.maxTemplates ?? 5_000;
    this.lines = new Array(sides).fill(0);
  }

  add(line: string, side = 0): void {
    const tokens = maskLine(line);
    if (tokens.length === 0) return;
    this.lines[side]++;
    const key = leafKey(tokens);
    let leaf = this.leaves.get(key);
    if (!leaf) {
      leaf = [];
      this.leaves.set(key, leaf);
    }
    let best: Cluster | undefined;
    let bestScore = -1;
    for (const c of leaf) {
      const score = this.score(c.tokens, tokens);
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (best && bestScore >= this.similarity) {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = wildcard;
      best.counts[side]++;
      return;
    }
    if (this.clusters.length >= this.maxTemplates) {
      if (best && bestScore >= 0) best.counts[side]++;
      else this.unmatched++;
      return;
    }
    const c: Cluster = {
      tokens,
      counts: new Array(this.sides).fill(0),
      example: stripControl(line).slice(0, 300),
    };
    c.counts[side] = 1;
    leaf.push(c);
    this.clusters.push(c);
  }

  /** Share of equal (or wildcard) positions; -1 when a differing position may not become a wildcard. */
  private score(template: string[], tokens: string[]): number {
    let same = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = template[i];
      if (t === tokens[i] || t === wildcard) same++;
      else if (!mayDiffer(t, tokens[i])) return -1;
    }
    return same / tokens.length;
  }

  /** Every template, most lines first. */
  templates(): LogTemplate[] {
    return this.clusters
      .map((c) => ({ template: c.tokens.join(' '), counts: [...c.counts], example: c.example }))
      .sort((a, b) => sum(b.counts) - sum(a.counts) || a.template.localeCompare(b.template));
  }
}

/** Lines of one length and the same first constant token go to one leaf (Drain's fixed-depth tree). */
function leafKey(tokens: string[]): string {
  const first = tokens.find((t) => !hasVariable(t) && !/\d/.test(t)) ?? wildcard;
  return `${tokens.length} ${first}`;
}

function sum(a: readonly number[]): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/** The top templates of some lines. */
export function logPatterns(lines: Iterable<string>, top = 20, opts?: LogPatternOptions): LogTemplate[] {
  const miner = new LogPatternMiner(1, opts);
  for (const line of lines) miner.add(line);
  return miner.templates().slice(0, top);
}

export type PatternChange = 'appeared' | 'vanished' | 'more' | 'fewer' | 'same';

export interface PatternShiftRow {
  template: string;
  before: number;
  after: number;
  change: PatternChange;
  example: string;
}

export interface PatternShift {
  /** The templates with the most lines on either side. */
  top: PatternShiftRow[];
  /** Only after (most lines first). */
  appeared: PatternShiftRow[];
  /** Only before. */
  vanished: PatternShiftRow[];
  lines: { before: number; after: number };
  templates: number;
}

/**
 * The log pattern shift between two windows: templates are mined over both, so a line means the same template
 * on either side; `more`/`fewer` compare each side's share of its own lines (windows of different lengths
 * and volumes compare fairly), `same` within ±20 %.
 */
export function patternShift(
  before: Iterable<string>,
  after: Iterable<string>,
  top = 10,
  opts?: LogPatternOptions,
): PatternShift {
  const miner = new LogPatternMiner(2, opts);
  for (const line of before) miner.add(line, 0);
  for (const line of after) miner.add(line, 1);
  const [linesBefore, linesAfter] = miner.lines;
  const rows = miner.templates().map((t): PatternShiftRow => {
    const [b, a] = t.counts;
    return {
      template: t.template,
      before: b,
      after: a,
      change: changeOf(b, a, linesBefore, linesAfter),
      example: t.example,
    };
  });
  return {
    top: rows.slice(0, top),
    appeared: rows.filter((r) => r.change === 'appeared').slice(0, top),
    vanished: rows.filter((r) => r.change === 'vanished').slice(0, top),
    lines: { before: linesBefore, after: linesAfter },
    templates: rows.length,
  };
}

function changeOf(b: number, a: number, totalBefore: number, totalAfter: number): PatternChange {
  if (b === 0) return 'appeared';
  if (a === 0) return 'vanished';
  const ratio = a / totalAfter / (b / totalBefore);
  return ratio > 1.2 ? 'more' : ratio < 1 / 1.2 ? 'fewer' : 'same';
}
