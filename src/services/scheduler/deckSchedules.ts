import { readFile } from 'node:fs/promises';
import type { DeckSchedules } from '../../state/services/schedules';
import { editorCommand } from '../storage/editorCommand';
import { setScheduleEnabled } from './editSchedules';
import { loadSchedules, type SchedulesCache, schedulesFilePath, watchSchedules } from './schedulesFile';

/** The console's `schedules.yaml`: read, watched, enabled/disabled in place, opened in `$EDITOR`. */
export function deckSchedulesFor(dataDir: string, env: NodeJS.ProcessEnv): DeckSchedules {
  const file = schedulesFilePath(dataDir);
  // The tab reads the file at start, when the watcher is up and after every edit: the same text is parsed once.
  const cache: SchedulesCache = {};
  return {
    file,
    load: () => loadSchedules(dataDir, env, cache),
    watch: (onChange, onError) => watchSchedules(dataDir, onChange, { onError }),
    setEnabled: async (name, enabled) => {
      const result = await setScheduleEnabled(dataDir, name, enabled, env);
      return result.ok ? result : { ok: false, file: result.file, error: result.error };
    },
    contents: () => readFile(file, 'utf8').catch(() => undefined),
    editor: () => editorCommand(env, file),
  };
}
