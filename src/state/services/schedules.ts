import type { SchedulesFile } from '../../domain/scheduleSource';

export type ScheduleEdit =
  | { ok: true; changed: boolean; file: string }
  | { ok: false; file: string; error: string };

/** The workspace's `schedules.yaml` as the console uses it; `openWorkspace` wires the real one. */
export interface DeckSchedules {
  /** `<dataDir>/schedules.yaml`, for messages. */
  file: string;
  /** Read and validated; never rejects (a file that cannot be read says so in its errors). */
  load(): Promise<SchedulesFile>;
  /** Calls `onChange` shortly after the file is written, created or removed; resolves once watching. */
  watch(onChange: () => void, onError: (error: Error) => void): Promise<{ close(): Promise<void> }>;
  /** Sets `enabled:` in place: comments, order and every other byte kept; written atomically. */
  setEnabled(name: string, enabled: boolean): Promise<ScheduleEdit>;
  /** The file's text now (undefined when there is none): an edit in `$EDITOR` is audited when it changed it. */
  contents(): Promise<string | undefined>;
  /** The program and arguments that open the file in the user's editor. */
  editor(): { program: string; args: string[] };
}
