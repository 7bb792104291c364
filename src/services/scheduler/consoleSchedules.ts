import { formatSourceError } from '../../domain/sourceError';
import type { Bus } from '../bus/contracts';
import { currentRequester } from '../bus/requester';
import { ScheduleRunner } from './scheduleRunner';

/** After the console's first frame: registering a thousand schedules must not delay it. */
export const schedulesStartMs = 1_000;

/**
 * The schedules of the console's workspace: run in-process without Redis (the embedded default), registered as
 * job schedulers with it. What goes wrong goes on the event stream (warn), where the console shows it.
 */
export function consoleSchedules(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  readOnly: boolean,
  bus: () => Bus,
): ScheduleRunner {
  let said = '';
  // Said by this console, as its other events are (the Timeline's footer reads `alice@ops-1`, not a worker).
  const source = currentRequester(env);
  const warn = (message: string) =>
    void bus()
      .events.publish({ level: 'warn', type: 'schedules.problem', source, message })
      .catch(() => {});
  return new ScheduleRunner({
    dataDir,
    env,
    readOnly,
    onReport: (report, file) => {
      // Said once, not at every look (another process holding the schedules is asked again every few seconds).
      const problems = [
        ...file.errors.map(formatSourceError),
        ...(report.notRunning && file.exists ? [`schedules: ${report.notRunning}`] : []),
      ];
      const key = problems.join('\n');
      if (key === said) return;
      said = key;
      for (const problem of problems) warn(problem);
    },
    onError: (what, error) =>
      warn(`schedules: ${what}: ${error instanceof Error ? error.message : String(error)}`),
  });
}
