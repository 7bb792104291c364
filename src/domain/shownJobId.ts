/** BullMQ's id of a schedule's tick over Redis: `repeat:schedule:NAME:<tick ms>`. */
const tickId = /^repeat:schedule:(.+):(\d{10,})$/;

/**
 * A job's id as a table shows it: the id, but a schedule's tick over Redis as its schedule and tick in local time
 * (`nightly-report 06-11 02:30`, `:SS` when the tick is not on a minute). The real id is 46 wide and cut to a
 * column keeps only its constant start (`repeat:s…4480000`), which hides which schedule it runs. The console's Jobs
 * tab and `infradeck jobs` on a terminal show this; `y`, Enter, `--json` and a pipe keep the real id.
 */
export function shownJobId(id: string): string {
  const tick = tickId.exec(id);
  const at = tick ? new Date(Number(tick[2])) : undefined;
  if (!tick || !at || Number.isNaN(at.getTime())) return id;
  const two = (n: number) => String(n).padStart(2, '0');
  const seconds = at.getSeconds() || at.getMilliseconds() ? `:${two(at.getSeconds())}` : '';
  return `${tick[1]} ${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}${seconds}`;
}
