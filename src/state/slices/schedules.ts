import { runNowSpec } from '../../domain/schedule';
import { type ScheduleChange, scheduleAuditEntry } from '../../domain/scheduleAudit';
import { NextTicks } from '../../domain/scheduleNext';
import type { SchedulesFile } from '../../domain/scheduleSource';
import { tickOfJobId } from '../../domain/scheduleTickId';
import { formatSourceError } from '../../domain/sourceError';
import { errorText, followChanges, type Slice } from '../slice';

export interface SchedulesState {
  /**
   * The file as last read; undefined until then. When it cannot be read (`readable` false), its `schedules` and
   * `invalid` are those of the last read that could be: they are what runs.
   */
  file?: SchedulesFile;
  /** The next tick of each enabled schedule of `file`. */
  next?: NextTicks;
  watchError?: string;
  /**
   * Set while `schedules.yaml` is not there: what still runs without it. Over Redis the job schedulers registered
   * before stay (every worker leaves them as they are when the file is missing): `registered`, read from their
   * pending ticks on the queue. In-process the scheduler follows the file and drops them: `dropped`, how many
   * enabled schedules the file had when this console last read it.
   */
  withoutFile?: SchedulesWithoutFile;
}

export type SchedulesWithoutFile =
  | { transport: 'redis'; registered: string[]; error?: string }
  | { transport: 'memory'; dropped: number };

/** Pending ticks read to name the registrations still running without the file (one per registration). */
const registrationsRead = 5_000;

export interface SchedulesActions {
  /** Reads `schedules.yaml` and follows its edits; returns the stop. */
  connect(): () => void;
  reload(): Promise<void>;
  /** `e`: writes `enabled:` in place (refused read-only); audited either way. */
  setEnabled(name: string, enabled: boolean): Promise<void>;
  /** `R`: a job of the schedule now, asked for by this console's user. */
  runNow(name: string): Promise<string | undefined>;
  /** `E`: the editor command and the file's text before it (to tell whether it changed); refused read-only. */
  editor(): Promise<{ program: string; args: string[]; before: string | undefined } | undefined>;
  /** After the editor: read the file again, audit the change, and say whether it is valid now. */
  afterEdit(before: string | undefined, exitCode: number): Promise<void>;
}

/** The workspace's schedules: the Scheduler screen's rows and the Dashboard's next run. */
export const schedulesSlice: Slice<'schedules', SchedulesState, SchedulesActions> = {
  name: 'schedules',
  initial: () => ({}),
  actions: ({ services, get, patch, notify, now }) => {
    const schedules = services.schedules;
    let reading: Promise<void> = Promise.resolve();
    let lastRead: SchedulesFile | undefined;
    let lastReadable: SchedulesFile | undefined;
    const audit = async (change: ScheduleChange, name: string | undefined, refused?: string) => {
      const bus = services.bus;
      if (!bus?.audit || !schedules) return;
      try {
        await bus.audit.append(scheduleAuditEntry(change, bus.requester, schedules.file, name, refused));
      } catch (error) {
        notify('error', `audit of ${change} ${name ?? schedules.file}: ${errorText(error)}`);
      }
    };
    const readOnly = () => get().workspace.readOnly;
    /**
     * What still runs while the file is missing. BullMQ keeps one pending job per job scheduler (`delayed`, or
     * `queued` once due and no worker took it yet): their ids name the registrations, read-only.
     */
    const withoutFile = async (): Promise<SchedulesWithoutFile | undefined> => {
      const bus = services.bus;
      if (!bus) return undefined;
      if (bus.transport !== 'redis') {
        // Said again at `r`: the count of the file as it was before it went, not of the missing file read since.
        const before = get().schedules.withoutFile;
        const dropped = lastReadable?.exists
          ? lastReadable.schedules.filter((s) => s.enabled).length
          : before?.transport === 'memory'
            ? before.dropped
            : 0;
        return { transport: 'memory', dropped };
      }
      try {
        const pending = await bus.queue.list({
          status: ['queued', 'waiting', 'delayed'],
          limit: registrationsRead,
        });
        const names = new Set<string>();
        for (const job of pending) {
          const name = tickOfJobId(job.id)?.name;
          if (name) names.add(name);
        }
        return { transport: 'redis', registered: [...names].sort() };
      } catch (error) {
        return { transport: 'redis', registered: [], error: errorText(error) };
      }
    };

    const actions: SchedulesActions = {
      connect: () => {
        if (!schedules) return () => {};
        return followChanges(
          (onChange, onError) => schedules.watch(onChange, onError),
          () => void actions.reload(),
          (message) => patch({ watchError: message }),
        );
      },

      reload: () => {
        if (!schedules) return Promise.resolve();
        reading = reading.then(async () => {
          const read = await schedules.load();
          // The same text reads as the same object: the rows and their next ticks stay as they are.
          if (read === lastRead) return;
          lastRead = read;
          // A file that is not YAML changes no registration (workers and the in-process scheduler tick on as
          // before): the schedules last read are still what runs, so they stay on screen beside its error.
          const keep = read.exists && !read.readable && lastReadable;
          // Read before `lastReadable` moves on: in-process, what the file had is what the scheduler dropped.
          const without = read.exists ? undefined : await withoutFile();
          if (read.readable) lastReadable = read;
          const file = keep ? { ...read, schedules: keep.schedules, invalid: keep.invalid } : read;
          patch({
            file,
            next: keep ? get().schedules.next : new NextTicks(file.schedules),
            withoutFile: without,
          });
        });
        return reading;
      },

      setEnabled: async (name, enabled) => {
        if (!schedules) return;
        const verb = enabled ? 'enable' : 'disable';
        if (readOnly()) {
          await audit(verb, name, 'read-only mode');
          return notify('error', `${verb} ${name}: refused, infradeck runs read-only (--readonly)`);
        }
        const result = await schedules.setEnabled(name, enabled);
        if (!result.ok) {
          await audit(verb, name, result.error);
          return notify('error', `${verb} ${name}: ${result.error}`);
        }
        if (result.changed) await audit(verb, name);
        await actions.reload();
        notify('info', `${name} ${enabled ? 'enabled' : 'paused'} in ${result.file}`);
      },

      runNow: async (name) => {
        const bus = services.bus;
        const schedule = get().schedules.file?.schedules.find((s) => s.name === name);
        if (!bus || !schedule) {
          notify(
            'error',
            `run ${name}: ${bus ? 'no valid schedule of that name' : 'no worker layer in this console'}`,
          );
          return undefined;
        }
        try {
          const id = await bus.queue.enqueue(runNowSpec(schedule, bus.requester, now(), readOnly()));
          notify('info', `queued job ${id}: a run of ${name} now`);
          return id;
        } catch (error) {
          notify('error', `run ${name}: ${errorText(error)}`);
          return undefined;
        }
      },

      editor: async () => {
        if (!schedules) return undefined;
        if (readOnly()) {
          await audit('edit', undefined, 'read-only mode');
          notify('error', `edit ${schedules.file}: refused, infradeck runs read-only (--readonly)`);
          return undefined;
        }
        return { ...schedules.editor(), before: await schedules.contents() };
      },

      afterEdit: async (before, exitCode) => {
        if (!schedules) return;
        const after = await schedules.contents();
        if (after !== before) await audit('edit', undefined);
        await actions.reload();
        const file = get().schedules.file;
        const editor = exitCode === 0 ? '' : ` (the editor exited with code ${exitCode})`;
        const [first, ...more] = file?.errors ?? [];
        if (after === undefined) notify('warn', `${schedules.file} is gone${editor}`);
        else if (first)
          notify(
            'error',
            `${formatSourceError(first)}${more.length ? ` (and ${more.length} more)` : ''}${editor}; the valid schedules keep running`,
          );
        else if (after === before) notify('info', `${schedules.file} unchanged${editor}`);
        else notify('info', `${schedules.file} is valid${editor}`);
      },
    };
    return actions;
  },
};
