import { displayWidth, stripControl } from '../../domain/text';
import type { SchedulesWithoutFile } from '../../state/slices/schedules';

/** Registrations named on the line above the table; the rest are counted (the table below names them all). */
const namedOnLine = 3;

function schedules(n: number): string {
  return `${n} schedule${n === 1 ? '' : 's'}`;
}

/**
 * What the Scheduler tab says while `schedules.yaml` is not there: the line above the table and the text in place
 * of the rows. Over Redis the workers keep every job scheduler registered before (a missing file changes no
 * registration), so the tab names those still ticking; in-process the scheduler follows the file and drops them.
 */
export function missingFileText(
  file: string,
  without: SchedulesWithoutFile | undefined,
  /** The line's width: the names of the schedules go before a name is cut (the text below names them all). */
  width = Number.POSITIVE_INFINITY,
): { summary: string; empty: string } {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const write = `E writes the file (see the README, Schedules)`;
  if (without?.transport === 'redis') {
    if (without.error)
      return {
        summary: ` no ${name} · the job schedulers on Redis could not be read: ${stripControl(without.error)} · ${file}`,
        empty: `No ${name}. The workers keep the schedules registered before it went (they tick on), but Redis could not be asked which: ${stripControl(without.error)}. r reads again; ${write}.`,
      };
    const names = without.registered.map(stripControl);
    if (names.length === 0)
      return {
        summary: ` no ${name} · nothing registered on Redis: nothing runs · ${file}`,
        empty: `No ${name}, and no job scheduler of it on Redis: nothing is scheduled. ${write}.`,
      };
    const shown = names.slice(0, namedOnLine).join(', ');
    const more = names.length > namedOnLine ? `, +${names.length - namedOnLine}` : '';
    const still = ` ${name} is gone: the workers still run ${schedules(names.length)} registered before`;
    const named = `${still} (${shown}${more}) · E writes the file`;
    const fits = [`${named} · ${file}`, named].find((line) => displayWidth(line) <= width);
    return {
      summary: fits ?? `${still} · E writes the file · ${file}`,
      empty: `${name} is gone, but the workers still run the ${schedules(names.length)} registered before it went (a missing file changes no registration): ${names.join(', ')}. ${write}: the schedules it has are registered, the others removed (schedules: [] removes them all).`,
    };
  }
  if (without?.transport === 'memory' && without.dropped > 0)
    return {
      summary: ` ${name} is gone: its ${schedules(without.dropped)} stopped, nothing runs · E writes it · ${file}`,
      empty: `${name} is gone: the in-process scheduler follows the file and stopped the ${schedules(without.dropped)} it had; nothing is scheduled. ${write}.`,
    };
  return {
    summary: ` no ${file}: nothing is scheduled`,
    empty: `No schedules. Write ${name} in the workspace (schedules: [{ name, cron, job: { run: [uptime] } }]), then E edits it here; see the README, Schedules.`,
  };
}
