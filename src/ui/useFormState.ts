import { type MutableRefObject, useReducer, useRef } from 'react';

/**
 * A form's state in a ref, so keys that arrive faster than frames (a paste, tmux send-keys, a slow link) each see
 * what the one before did; `update` merges a patch and draws again. A patch that moves the focus (changes one of
 * `focusKeys`) without saying where the cursor goes puts it at the end of the newly focused field.
 */
export function useFormState<S extends { cursor?: number }>(
  initial: S,
  focusKeys: readonly (keyof S)[],
): [MutableRefObject<S>, (patch: Partial<S>) => void] {
  const state = useRef<S>(initial);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const update = (patch: Partial<S>) => {
    if (focusKeys.some((k) => k in patch) && !('cursor' in patch)) state.current.cursor = undefined;
    Object.assign(state.current, patch);
    rerender();
  };
  return [state, update];
}
