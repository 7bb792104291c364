import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stateDir } from '../projects/stateFile';
import { writeFileAtomic } from '../storage/atomicWrite';

/** One schedule's entry: up to when its ticks are handled, and under which cron and zone. */
export interface ScheduleState {
  /** `cron|timezone` the ticks were counted by: another definition starts afresh (no catch-up). */
  definition: string;
  /** Every tick up to this instant (epoch ms) has been handled: a job was made for it, or it was not due yet. */
  handledUntil: number;
}

export interface TickStateFile {
  v: 1;
  schedules: Record<string, ScheduleState>;
}

/**
 * `<workspace>/state/schedules/ticks.json`: what the in-process scheduler needs across restarts, to know which
 * ticks were missed while no process ran (catch-up). Over Redis the job schedulers hold this instead.
 */
export function tickStatePath(dataDir: string): string {
  return join(stateDir(dataDir), 'schedules', 'ticks.json');
}

export async function readTickState(file: string): Promise<TickStateFile> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<TickStateFile>;
    if (parsed?.v === 1 && typeof parsed.schedules === 'object' && parsed.schedules !== null)
      return { v: 1, schedules: parsed.schedules };
  } catch {
    // none yet, or unreadable: no catch-up this time (that is the safe side)
  }
  return { v: 1, schedules: {} };
}

/**
 * Writes the state at most every `everyMs` (a schedule every second must not mean a write every second per
 * schedule), always atomically; `flush` writes what is pending now.
 */
export class TickStateWriter {
  private pending = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly state: () => TickStateFile,
    private readonly everyMs = 1_000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  changed(): void {
    this.pending = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.everyMs);
    this.timer.unref?.();
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return this.writing;
    this.pending = false;
    const text = `${JSON.stringify(this.state(), null, 2)}\n`;
    this.writing = this.writing.then(async () => {
      try {
        await mkdir(dirname(this.file), { recursive: true });
        await writeFileAtomic(this.file, text);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.writing;
  }
}
