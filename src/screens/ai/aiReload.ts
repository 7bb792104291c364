import { aiRunRowsOf } from '../../state/slices/ai';
import type { DeckActions, DeckStore } from '../../state/store';

/**
 * `r`: the experiment files are followed anyway, so a read on demand says what it read: the same files and runs
 * show no change, and a key that changes nothing on the screen would look like one that does nothing.
 */
export async function reloadAndSay(actions: DeckActions, store: DeckStore): Promise<void> {
  await actions.ai.reload();
  const state = store.getState();
  const files = state.ai.experiments ?? [];
  const bad = files.filter((f) => f.errors.length > 0).length;
  const runs = aiRunRowsOf(state).length;
  actions.ui.notify(
    bad ? 'warn' : 'info',
    `read ai/experiments/: ${files.length} file${files.length === 1 ? '' : 's'}${bad ? `, ${bad} with errors` : ''}; ${runs} run${runs === 1 ? '' : 's'} in the queue`,
  );
}
