/** BullMQ's id of a schedule's tick over Redis (a job scheduler's job): `repeat:schedule:NAME:<tick ms>`. */
const tickId = /^repeat:schedule:(.+):(\d+)$/;

/** The schedule and tick a job id names, when it is a tick of one of ours (a run asked for now is not). */
export function tickOfJobId(jobId: string): { name: string; tick: number } | undefined {
  const m = tickId.exec(jobId);
  return m ? { name: m[1], tick: Number(m[2]) } : undefined;
}

/**
 * A job's id as a table shows it: the id, but a schedule's tick over Redis as its schedule and tick in local time
 * (`nightly-report 06-11 02:30`, `:SS` when the tick is not on a minute). The real id is 46 wide and cut to a
 * column keeps only its constant start (`repeat:s…4480000`), which hides which schedule it runs. The console's Jobs
 * tab and `infradeck jobs` on a terminal show this; `y`, Enter, `--json` and a pipe keep the real id.
 */
export function shownJobId(id: string): string {
  const shown = shownTick(id);
  return shown ? `${shown.name} ${shown.time}` : id;
}

/** A tick's schedule and its time as shown (`12-07 11:47:50`); undefined for any other id. */
export function shownTick(id: string): { name: string; time: string } | undefined {
  const tick = tickOfJobId(id);
  // A time in ms has 10 digits or more: a shorter number is not a tick's time to show.
  const at = tick && tick.tick >= 1e9 ? new Date(tick.tick) : undefined;
  if (!tick || !at || Number.isNaN(at.getTime())) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  const seconds = at.getSeconds() || at.getMilliseconds() ? `:${two(at.getSeconds())}` : '';
  return {
    name: tick.name,
    time: `${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}${seconds}`,
  };
}
