import { parse } from 'yaml';
import {
  type Schedule,
  type ScheduleEntry,
  scheduleEntrySchema,
  scheduleOf,
  schedulesFileSchema,
} from './schedule';
import type { SourceError } from './sourceError';
import { stripControl } from './text';
import { parseYamlFile } from './yamlSource';

/** A schedule of the file that cannot run: where it is, its name if it has a readable one, and why. */
export interface InvalidSchedule {
  /** Its place in the list (`schedules[index]`). */
  index: number;
  name?: string;
  /** Its `cron:` as written (text or a number), control characters removed: the entry may be wrong elsewhere. */
  cron?: string;
  errors: SourceError[];
}

export interface SchedulesFile {
  file: string;
  /** False when there is no `schedules.yaml` (nothing is scheduled, and registrations are left alone). */
  exists: boolean;
  /** The valid schedules, in file order (enabled or not). */
  schedules: Schedule[];
  /** Schedules with errors; the valid ones keep running. */
  invalid: InvalidSchedule[];
  /**
   * Every problem, located (`file:line:col: path: message`), those of the invalid schedules included. With
   * `readable` false the file as a whole could not be read (not YAML, not a list of schedules).
   */
  errors: SourceError[];
  readable: boolean;
}

const entryPath = /^schedules\[(\d+)\]/;

/**
 * Validates `schedules.yaml` text. A problem in one schedule makes only that schedule invalid: the others are
 * returned and keep running. A file that is not YAML, or not a map with a `schedules:` list, has no valid
 * schedule (`readable: false`). Never throws.
 */
export function parseSchedulesFile(file: string, text: string, hostZone: string): SchedulesFile {
  const parsed = parseYamlFile(file, text, schedulesFileSchema, { empty: {} });
  if (parsed.ok) {
    const schedules = parsed.value.schedules.map((entry) => scheduleOf(entry, hostZone));
    return { file, exists: true, schedules, invalid: [], errors: [], readable: true };
  }
  const byEntry = new Map<number, SourceError[]>();
  for (const error of parsed.errors) {
    const index = entryPath.exec(error.path)?.[1];
    if (index === undefined) {
      // A syntax error or a problem outside the list: no schedule of this file can be trusted.
      return { file, exists: true, schedules: [], invalid: [], errors: parsed.errors, readable: false };
    }
    const list = byEntry.get(Number(index)) ?? [];
    list.push(error);
    byEntry.set(Number(index), list);
  }
  // Every problem is inside an entry, so the text is YAML with a `schedules:` list: read the good entries again.
  const raw = (parse(text, { uniqueKeys: false, logLevel: 'silent' }) as { schedules: unknown[] }).schedules;
  const schedules: Schedule[] = [];
  const invalid: InvalidSchedule[] = [];
  for (const [index, entry] of raw.entries()) {
    const errors = byEntry.get(index);
    if (errors) {
      const { name, cron } = (entry ?? {}) as { name?: unknown; cron?: unknown };
      const written = typeof cron === 'string' || typeof cron === 'number' ? stripControl(String(cron)) : '';
      invalid.push({
        index,
        ...(typeof name === 'string' ? { name } : {}),
        ...(written.trim() ? { cron: written } : {}),
        errors,
      });
      continue;
    }
    const checked = scheduleEntrySchema.safeParse(entry);
    if (checked.success) schedules.push(scheduleOf(checked.data as ScheduleEntry, hostZone));
  }
  return { file, exists: true, schedules, invalid, errors: parsed.errors, readable: true };
}

/** No `schedules.yaml`: nothing scheduled, nothing wrong. */
export function noSchedulesFile(file: string): SchedulesFile {
  return { file, exists: false, schedules: [], invalid: [], errors: [], readable: true };
}

/** A `schedules.yaml` that could not be read at all (permissions, a folder): one error saying why. */
export function unreadableSchedulesFile(file: string, reason: string): SchedulesFile {
  return {
    file,
    exists: true,
    schedules: [],
    invalid: [],
    errors: [{ file, line: 0, column: 0, path: '', message: reason }],
    readable: false,
  };
}
