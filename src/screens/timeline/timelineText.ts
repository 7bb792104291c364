import { fitCell } from '../../components/fitCell';
import type { PatternShiftRow } from '../../domain/logPatterns';
import { displayWidth, fitWidth, stripControl } from '../../domain/text';
import { formatMoment, tickLabel, zoneLabel } from '../../domain/timelineAxis';
import type { MetricDelta } from '../../domain/timelineCompare';
import type { TimelineEvent } from '../../domain/timelineLanes';
import type { TimelinePin } from '../../domain/timelinePins';
import { formatSpan } from '../../domain/timelineWindow';
import { wrapText } from '../../domain/wrapText';
import type { TimelineCompare, TimelineFeedState } from '../../state/slices/timeline';

const day = 24 * 3_600_000;

/** A moment as short as the zoom allows: `10:04:05` within a day's window, `Jun 12 10:04` beyond. */
export function shortMoment(t: number, span: number): string {
  return span <= day ? tickLabel(t, 'seconds') : `${tickLabel(t, 'days')} ${tickLabel(t, 'minutes')}`;
}

/** `12.3`, `1,204`, `0.0042`: a metric's value in a few characters. */
export function formatValue(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 1 || a === 0) return v.toFixed(1).replace(/\.0$/, '');
  return v.toPrecision(2);
}

function signed(v: number | undefined): string {
  if (v === undefined) return '–';
  return `${v > 0 ? '+' : ''}${formatValue(v)}`;
}

/** The header: the window, live or not, the zone, and what the feed is doing. */
export function headerText(opts: {
  start: number;
  end: number;
  live: boolean;
  total: number;
  feed: TimelineFeedState;
  pins: number;
  notShown: string[];
  /** While a `/` filter is on: `12 of 340 events` (those of the window on the lanes shown), in place of the total. */
  filtered?: string;
}): string {
  const span = opts.end - opts.start;
  const feed =
    opts.feed.state === 'replaying'
      ? 'replaying…'
      : opts.feed.state === 'off'
        ? (opts.feed.error ?? 'no events')
        : opts.feed.from === 'job history'
          ? 'job history + live'
          : 'stream + live';
  return [
    ` ${formatSpan(Math.round(span))}`,
    `${shortMoment(opts.start, span)} → ${opts.live ? 'now' : shortMoment(opts.end, span)}`,
    opts.live ? 'LIVE' : 'paused (0 live)',
    zoneLabel(opts.end),
    opts.filtered ?? `${opts.total.toLocaleString('en-US')} events`,
    feed,
    ...(opts.pins ? [`${opts.pins} pin${opts.pins === 1 ? '' : 's'}`] : []),
    ...(opts.notShown.length
      ? [
          `+${opts.notShown.length} lane${opts.notShown.length === 1 ? '' : 's'} below: ${opts.notShown.join(', ')}`,
        ]
      : []),
  ].join(' · ');
}

/** One event as the footer and the compare view show it: what, who, which job. */
export function eventText(e: Pick<TimelineEvent, 'what' | 'who' | 'jobId' | 'failed'>): string {
  return [
    `${e.failed ? '✖ ' : ''}${stripControl(e.what)}`,
    ...(e.who ? [stripControl(e.who)] : []),
    ...(e.jobId ? [`job ${stripControl(e.jobId)}`] : []),
  ].join(' · ');
}

/** What an event was keeps at least this many columns beside who asked; narrower, who asked goes first. */
const whatAtLeast = 16;

/**
 * `prefix` then the event in exactly `width` columns, with what identifies it whole: what it was is cut first,
 * before a word with digits (an id or a region is whole or gone), so who asked and the job id stay whole; when
 * that leaves what it was too few columns, who asked goes; the job id is never cut while it fits.
 */
export function eventLine(prefix: string, e: TimelineEvent, width: number): string {
  const what = `${e.failed ? '✖ ' : ''}${stripControl(e.what)}`;
  const who = e.who ? stripControl(e.who) : '';
  const job = e.jobId ? `job ${stripControl(e.jobId)}` : '';
  const full = [what, who, job].filter(Boolean).join(' · ');
  if (displayWidth(prefix) + displayWidth(full) <= width) return fitWidth(prefix + full, width);
  for (const kept of [[who, job], [job]]) {
    const parts = kept.filter(Boolean);
    const tail = parts.length ? ` · ${parts.join(' · ')}` : '';
    const room = width - displayWidth(prefix) - displayWidth(tail);
    if (room >= whatAtLeast || (room >= 8 && parts.length <= 1))
      return fitWidth(prefix + fitCell(what, room, 'left', 'word').trimEnd() + tail, width);
  }
  // Too narrow for the job beside a few letters of what: the line is cut at its end, as any line is.
  return fitWidth(prefix + full, width);
}

export interface FooterLane {
  title: string;
  event?: TimelineEvent;
}

/**
 * The cursor footer: the time and each metric lane's value there, then each lane's nearest event (`▸` marks the
 * one `p` pins and Enter opens, once). Exactly `rows` lines of `width` columns.
 */
export function footerLines(opts: {
  t: number;
  cursor: boolean;
  span: number;
  metrics: { name: string; value?: number }[];
  lanes: FooterLane[];
  chosen?: string;
  width: number;
  rows: number;
}): string[] {
  const { width, rows, span } = opts;
  if (rows <= 0) return [];
  const head = [
    `${opts.cursor ? 'cursor' : 'now'} ${shortMoment(opts.t, span)}`,
    ...opts.metrics.map((m) => `${m.name} ${formatValue(m.value)}`),
    ...(opts.cursor ? [] : ['← → move the cursor']),
  ].join(' · ');
  const out = [fitWidth(` ${head}`, width)];
  const titleWidth = Math.min(10, Math.max(3, ...opts.lanes.map((l) => l.title.length)));
  // One event can be on two lanes (a failure: jobs and errors); `▸` marks its first line only, the lane the
  // screen took it from (the nearest event of the first lane wins a tie).
  let marked = false;
  for (const lane of opts.lanes) {
    if (out.length >= rows) break;
    const e = lane.event;
    const chosen = !marked && e !== undefined && e.id === opts.chosen;
    if (chosen) marked = true;
    const mark = chosen ? '▸' : ' ';
    const head = `${mark}${fitWidth(lane.title, titleWidth)} `;
    out.push(e ? eventLine(`${head}${shortMoment(e.time, span)} `, e, width) : fitWidth(`${head}–`, width));
  }
  while (out.length < rows) out.push(' '.repeat(Math.max(0, width)));
  return out;
}

/**
 * The rows under the footer the lanes leave: the latest events up to the cursor (or now), newest first, on every
 * lane shown (an event on two lanes once): a title, then one event a row. Exactly `rows` lines, or none.
 */
export function recentLines(opts: {
  events: readonly TimelineEvent[];
  cursor: boolean;
  t: number;
  span: number;
  width: number;
  rows: number;
  /** Set while a `/` filter is on: the list has only what it lets through. */
  filter?: string;
}): string[] {
  const { width, rows, span } = opts;
  if (rows <= 0) return [];
  const upTo = opts.cursor ? `up to the cursor (${shortMoment(opts.t, span)})` : 'up to now';
  const matching = opts.filter ? ` matching ${JSON.stringify(opts.filter)}` : '';
  const out = [fitWidth(` Latest${matching} ${upTo}, newest first`, width)];
  const titleWidth = Math.min(10, Math.max(3, ...opts.events.map((e) => e.lane.length)));
  for (const e of opts.events) {
    if (out.length >= rows) break;
    out.push(eventLine(` ${fitWidth(e.lane, titleWidth)} ${shortMoment(e.time, span)} `, e, width));
  }
  // With the cursor, later events of the window may show in the lanes and the footer: none is up to the cursor.
  const none = opts.cursor ? '  none up to the cursor' : '  none in this window';
  if (opts.events.length === 0 && out.length < rows) out.push(fitWidth(none, width));
  while (out.length < rows) out.push(' '.repeat(Math.max(0, width)));
  return out;
}

/** A pin's text takes at most this many rows of the side list; past them it is cut (`C` compares it whole). */
const pinRowsMax = 4;
/** The selection mark's column on a pin's first row: `[1] `, `[2] ` or blank, apart from the time after it. */
const pinMarkWidth = 4;
/** The rows a pin's text wraps onto are indented less: an instance id (19 columns) fits a 22-column panel. */
const pinWrapIndent = 2;

export interface PinList {
  lines: string[];
  /** Each pin's rows in `lines`, `[first, end)`: a pin takes a row, or more when its text wraps. */
  rows: [number, number][];
}

/**
 * The pin list: a title, then each pin as `[1] 22:12:05 scans eu-west-1: 38 resources` (`[1]`/`[2]`: chosen for
 * `C`, in that order), its text wrapped onto the rows below rather than cut, so an id reads whole.
 */
export function pinList(
  pins: readonly TimelinePin[],
  selected: readonly string[],
  width: number,
  span: number,
): PinList {
  const lines = [fitWidth(` Pins (${pins.length}) P`, width)];
  const rows: [number, number][] = [];
  const wrapIndent = ' '.repeat(pinWrapIndent);
  for (const p of pins) {
    const n = selected.indexOf(p.id);
    const mark = n >= 0 ? `[${n + 1}] ` : ' '.repeat(pinMarkWidth);
    const text = `${shortMoment(p.time, span)} ${p.lane} ${stripControl(p.what)}`;
    // The first row is a prefix of the text; the rest wraps at the wider width (a word moved down stays whole).
    const [head = ''] = wrapText(text, Math.max(1, width - pinMarkWidth));
    const tail = wrapText(
      text.slice(head.length).replace(/^ /, ''),
      Math.max(1, width - pinWrapIndent),
    ).filter(Boolean);
    const under = pinRowsMax - 1;
    if (tail.length > under) tail.splice(under - 1, Infinity, tail.slice(under - 1).join(' '));
    const first = lines.length;
    lines.push(fitWidth(mark + head, width), ...tail.map((t) => fitWidth(wrapIndent + t, width)));
    rows.push([first, lines.length]);
  }
  if (pins.length === 0) lines.push(fitWidth(' none yet: p pins the event at the cursor', width));
  return { lines, rows };
}

/** How far PgDn (`dir` 1) or PgUp (-1) moves the pin cursor: the pins whose rows fit in a page of `visible` rows. */
export function pinPage(
  rows: readonly (readonly [number, number])[],
  cursor: number,
  dir: 1 | -1,
  visible: number,
): number {
  let used = 0;
  let n = 0;
  for (let i = cursor + dir; i >= 0 && i < rows.length; i += dir) {
    used += rows[i][1] - rows[i][0];
    if (used > visible) break;
    n++;
  }
  return Math.max(1, n) * dir;
}

function shiftRow(r: PatternShiftRow): string {
  return `  ${String(r.before).padStart(6)} ${String(r.after).padStart(6)}  ${r.change.padEnd(8)} ${stripControl(r.template)}`;
}

function metricRow(m: MetricDelta): string {
  return `  ${fitWidth(m.name, 16)} ${formatValue(m.a).padStart(10)} ${formatValue(m.b).padStart(10)} ${signed(m.delta).padStart(10)}`;
}

/** The compare view (`C`): between the pins by lane, the metrics at each with the delta, the log pattern shift. */
export function compareLines(c: TimelineCompare): string[] {
  const { a, b, result } = c;
  const span = b.time - a.time;
  const at = (t: number) => formatMoment(t, span <= 6 * 3_600_000 ? span : day);
  const lines = [
    `first:  ${at(a.time)} ${a.lane}: ${eventText(a)}`,
    `second: ${at(b.time)} ${b.lane}: ${eventText(b)}`,
    `${formatSpan(Math.max(1000, Math.round(span / 1000) * 1000))} apart (${zoneLabel(b.time)})`,
    '',
    'Between them, by lane',
  ];
  if (result.lanes.length === 0) lines.push('  nothing happened between them');
  for (const l of result.lanes) {
    const failed = l.failed ? ` (${l.failed.toLocaleString('en-US')} failed)` : '';
    lines.push(`  ${fitWidth(l.title, 10)} ${l.count.toLocaleString('en-US').padStart(8)}${failed}`);
    for (const e of [...l.events].reverse()) lines.push(`      ${shortMoment(e.time, span)} ${eventText(e)}`);
  }
  lines.push(
    '',
    'Metrics',
    `  ${fitWidth('', 16)} ${'first'.padStart(10)} ${'second'.padStart(10)} ${'delta'.padStart(10)}`,
    ...result.metrics.map(metricRow),
    '',
    `Log pattern shift: job output ${formatSpan(c.shiftWindowMs)} before the first pin → ${formatSpan(c.shiftWindowMs)} after the second`,
  );
  if (c.shiftLoading) lines.push('  reading the job output…');
  else if (c.shiftError) lines.push(`  could not read the job output: ${stripControl(c.shiftError)}`);
  else if (c.shift) {
    const s = c.shift;
    lines.push(
      `  ${s.lines.before.toLocaleString('en-US')} lines before, ${s.lines.after.toLocaleString('en-US')} after, ${s.templates} templates (${c.shiftFrom === 'stream' ? 'the Redis stream' : 'the job history'})${c.shiftTruncated ? '; more lines than are mined: the first ones were used' : ''}`,
    );
    const table = (title: string, rows: PatternShiftRow[]) => {
      lines.push('', title);
      if (rows.length === 0) lines.push('  (none)');
      else
        lines.push(
          `  ${'BEFORE'.padStart(6)} ${'AFTER'.padStart(6)}  CHANGE   TEMPLATE`,
          ...rows.map(shiftRow),
        );
    };
    table('Appeared', s.appeared);
    table('Vanished', s.vanished);
    table('Top templates', s.top);
  }
  return lines;
}
