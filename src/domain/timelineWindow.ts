const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** The zoom steps of `+`/`-`: how much time the detail window shows. */
export const timelineZooms: readonly number[] = [
  minute,
  5 * minute,
  15 * minute,
  hour,
  3 * hour,
  6 * hour,
  12 * hour,
  day,
  3 * day,
  7 * day,
];

/**
 * The detail window: `span` ms ending at `end`. `live`: the end follows the clock (`0` turns it on; panning
 * back turns it off; panning forward up to now turns it on again).
 */
export interface TimelineWindow {
  span: number;
  end: number;
  live: boolean;
}

/** What the window may not move past: the oldest retained time (the overview's left edge). */
export interface WindowBounds {
  now: number;
  /** Oldest time there is anything to see: a window pans back until it starts there. */
  earliest?: number;
}

export function liveWindow(now: number, span = hour): TimelineWindow {
  return { span: nearestZoom(span), end: now, live: true };
}

/** The zoom step closest to `span` (a window from `--since` keeps its own span: see `fixedWindow`). */
export function nearestZoom(span: number): number {
  let best = timelineZooms[0];
  for (const z of timelineZooms) if (Math.abs(z - span) < Math.abs(best - span)) best = z;
  return best;
}

export function windowStart(w: TimelineWindow): number {
  return w.end - w.span;
}

/**
 * `+` (direction -1, closer) or `-` (+1, wider) one zoom step. Live: the end stays at now. Otherwise the
 * `anchor` (the cursor; default the window's middle) stays where it is on the screen.
 */
export function zoomWindow(
  w: TimelineWindow,
  direction: -1 | 1,
  bounds: WindowBounds,
  anchor?: number,
): TimelineWindow {
  const i = zoomIndex(w.span);
  const next = timelineZooms[Math.min(timelineZooms.length - 1, Math.max(0, i + direction))];
  if (next === w.span) return w;
  if (w.live) return { span: next, end: bounds.now, live: true };
  const start = windowStart(w);
  const at = anchor !== undefined && anchor >= start && anchor <= w.end ? anchor : start + w.span / 2;
  const fraction = (at - start) / w.span;
  const end = at + (1 - fraction) * next;
  return clampWindow({ span: next, end, live: false }, bounds);
}

/** `h`/`l` (a quarter window) and `H`/`L` (a whole window): `by` in windows, negative is back in time. */
export function panWindow(w: TimelineWindow, by: number, bounds: WindowBounds): TimelineWindow {
  const from = w.live ? bounds.now : w.end;
  return clampWindow({ span: w.span, end: from + by * w.span, live: false }, bounds);
}

/** `0`: back to now, following it. */
export function followNow(w: TimelineWindow, now: number): TimelineWindow {
  return { span: w.span, end: now, live: true };
}

/** The window at this moment: a live one ends at `now`. */
export function currentWindow(w: TimelineWindow, now: number): TimelineWindow {
  return w.live ? { ...w, end: now } : w;
}

/**
 * Never past now (reaching it turns live on: the operator panned back to the present) and, when the oldest
 * retained time is known, never starting before it.
 */
export function clampWindow(w: TimelineWindow, bounds: WindowBounds): TimelineWindow {
  let end = w.end;
  if (bounds.earliest !== undefined && end - w.span < bounds.earliest) end = bounds.earliest + w.span;
  if (end >= bounds.now) return { span: w.span, end: bounds.now, live: true };
  return { span: w.span, end, live: false };
}

function zoomIndex(span: number): number {
  const exact = timelineZooms.indexOf(span);
  return exact >= 0 ? exact : timelineZooms.indexOf(nearestZoom(span));
}

/** `1m`, `15m`, `3h`, `7d`: a span as the header shows it. */
export function formatSpan(ms: number): string {
  if (ms % day === 0) return `${ms / day}d`;
  if (ms % hour === 0) return `${ms / hour}h`;
  if (ms % minute === 0) return `${ms / minute}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** The time a cursor column stands for: the middle of the column. */
export function columnTime(start: number, end: number, width: number, col: number): number {
  const span = (end - start) / Math.max(1, width);
  return start + (Math.min(Math.max(0, col), width - 1) + 0.5) * span;
}

/** The column a time falls in (clamped to the window). */
export function timeColumn(start: number, end: number, width: number, t: number): number {
  const span = (end - start) / Math.max(1, width);
  return Math.min(width - 1, Math.max(0, Math.floor((t - start) / span)));
}

/**
 * `--since 1h` / `--since 2024-06-12T10:00Z` / `--until …`: a duration before `now` (s, m, h, d, w) or an ISO
 * date-time (a date alone is midnight in the host's time zone). Throws naming what it could not read.
 */
export function parseTimeArgument(text: string, now: number, flag: string): number {
  const s = text.trim();
  const duration = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(s);
  if (duration) {
    const unit = { s: 1000, m: minute, h: hour, d: day, w: 7 * day }[duration[2] as 's'];
    return now - Number(duration[1]) * unit;
  }
  if (s === 'now') return now;
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00`).getTime() : Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw new Error(
    `${flag} ${JSON.stringify(text)}: not a duration (30s, 15m, 1h, 2d, 1w) or an ISO time (2024-06-12T10:00Z)`,
  );
}
