const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** Tick steps, fine to coarse; the axis takes the finest whose labels do not touch. */
const tickSteps = [
  second,
  2 * second,
  5 * second,
  10 * second,
  15 * second,
  30 * second,
  minute,
  2 * minute,
  5 * minute,
  10 * minute,
  15 * minute,
  30 * minute,
  hour,
  2 * hour,
  3 * hour,
  6 * hour,
  12 * hour,
  day,
  2 * day,
  7 * day,
  14 * day,
  30 * day,
];

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export type AxisUnit = 'seconds' | 'minutes' | 'days';

export interface AxisTick {
  time: number;
  col: number;
  label: string;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Labels in the host's time zone: `10:04:05` (seconds), `10:04` (minutes), `Jun 12` (days, and midnight). */
export function tickLabel(t: number, unit: AxisUnit): string {
  const d = new Date(t);
  const midnight = d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0;
  if (unit === 'days' || (unit === 'minutes' && midnight)) return `${months[d.getMonth()]} ${d.getDate()}`;
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return unit === 'seconds' ? `${hm}:${two(d.getSeconds())}` : hm;
}

function unitOf(step: number): AxisUnit {
  return step < minute ? 'seconds' : step < day ? 'minutes' : 'days';
}

const labelWidths: Record<AxisUnit, number> = { seconds: 8, minutes: 6, days: 6 };

/** The host's offset from UTC at `t`, in ms (positive east of Greenwich). */
function zoneOffset(t: number): number {
  return -new Date(t).getTimezoneOffset() * minute;
}

/**
 * Ticks of a window drawn `width` columns wide: on round local times (every 5 minutes on the hour, at local
 * midnight), as many as fit with a space between labels.
 */
export function axisTicks(start: number, end: number, width: number): AxisTick[] {
  const w = Math.floor(width);
  if (!(w > 0) || !(end > start)) return [];
  const msPerCol = (end - start) / w;
  const step =
    tickSteps.find((s) => s / msPerCol >= labelWidths[unitOf(s)] + 1) ?? tickSteps[tickSteps.length - 1];
  const unit = unitOf(step);
  const ticks: AxisTick[] = [];
  // Round in local time, so ticks fall on 10:00 and on midnight where the operator is.
  const offset = zoneOffset(start);
  let local = Math.ceil((start + offset) / step) * step;
  for (let guard = 0; guard < w + 2; guard++) {
    let t = local - offset;
    // Across a DST change the offset moves: place the tick on the local round time of its own day.
    const drift = zoneOffset(t) - offset;
    if (drift !== 0 && step >= hour) t -= drift;
    if (t >= end) break;
    if (t >= start)
      ticks.push({ time: t, col: Math.floor((t - start) / msPerCol), label: tickLabel(t, unit) });
    local += step;
  }
  return ticks;
}

/**
 * The time axis as one line of exactly `width` columns: each tick's label starts at its column (`┬`-free, so
 * it reads in any font); labels that would run past the edge or into the previous one are left out.
 */
export function renderTimeAxis(start: number, end: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const cells = new Array<string>(w).fill(' ');
  let free = 0;
  for (const tick of axisTicks(start, end, w)) {
    if (tick.col < free || tick.col + tick.label.length > w) continue;
    for (let i = 0; i < tick.label.length; i++) cells[tick.col + i] = tick.label[i];
    free = tick.col + tick.label.length + 1;
  }
  return cells.join('');
}

/** A moment as the footer and headers show it, precise to what the zoom can tell apart. */
export function formatMoment(t: number, span: number): string {
  const d = new Date(t);
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return span <= 6 * hour ? `${date} ${hm}:${two(d.getSeconds())}` : `${date} ${hm}`;
}

/** `UTC+02:00`, `UTC-03:30`: the host's zone at `t`, for the header ("times are host time"). */
export function zoneLabel(t: number): string {
  const off = zoneOffset(t) / minute;
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `UTC${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
