import { useActions } from './deckContext';
import { type KeyHandler, useKeys } from './keyDispatcher';
import { keyLabel } from './keyName';

/** A tab's list as its keys see it: the scope of its own actions, and what it is still reading, if anything. */
export interface LoadingList {
  /** The screen's (or view's) own scope: `pipelines`, not the shared `list` or `table`. */
  scope: string;
  /**
   * What the list is reading while it has no row yet (`pipelines`, `the projects folder`); undefined once it has
   * rows or has been read.
   */
  loading: string | undefined;
}

/**
 * A tab's screen-layer keys over a list that may still be loading. A key of the tab's own that its handler left
 * alone while no row is there yet (Enter, `d`, `t` pressed right after switching to the tab: they act on a row)
 * says the list is on its way rather than nothing: the user knows to press it again, not that the key is dead.
 * Keys that need no row (reload, new, filter, moving) are the handler's as ever.
 */
export function useListKeys(list: LoadingList, handler: KeyHandler, active: boolean): void {
  const actions = useActions();
  useKeys(
    'screen',
    (press) => {
      if (handler(press)) return true;
      if (list.loading === undefined || press.action([list.scope]) === undefined) return false;
      actions.ui.notify('info', `${keyLabel(press.name)}: still loading ${list.loading}…`);
      return true;
    },
    active,
  );
}

/** `what` while `rows` is empty and `reading`, else undefined: the `loading` of a list read as a whole. */
export function loadingWhile(reading: boolean, rows: readonly unknown[], what: string): string | undefined {
  return reading && rows.length === 0 ? what : undefined;
}
