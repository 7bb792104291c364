import { actionAccess } from '../domain/accessActions';
import type { AccessSliceState } from '../state/slices/access';
import { useActions, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import type { Keymap } from '../ui/keymap';
import { keyLabel } from '../ui/keyName';

/** The status bar's word on access: ` no access control `, ` carol: viewer `, ` access.yaml broken `. */
export function accessLabel(access: AccessSliceState): string {
  const state = access.state;
  if (!state) return '';
  if (state.kind === 'none') return ' no access control ';
  if (state.kind === 'broken') return ' access.yaml broken ';
  return ` ${access.subject?.user ?? '?'}: ${access.role} `;
}

/** Why the user may not take `actionId` (`needs operator (you are viewer)`), or undefined when they may. */
export function actionDenied(actionId: string, access: AccessSliceState): string | undefined {
  const verdict = actionAccess(actionId, access.state, access.role);
  return verdict.ok ? undefined : verdict.why;
}

/**
 * The keys (as the hint line writes them: `D`, `X`) of the actions of `scope` the user may not take: their hints are
 * left out of the message line.
 */
export function deniedKeyLabels(scope: string, keymap: Keymap, access: AccessSliceState): Set<string> {
  const labels = new Set<string>();
  for (const action of keymap.actionsIn(scope)) {
    if (!actionDenied(action.id, access)) continue;
    const key = keymap.keysFor(action.id, scope)[0];
    if (key !== undefined) labels.add(keyLabel(key));
  }
  return labels;
}

/** A hint item (`D deploy`) is dropped when its key belongs to an action the user may not take. */
export function allowedHints(items: readonly string[], denied: ReadonlySet<string>): string[] {
  if (denied.size === 0) return [...items];
  return items.filter((item) => !denied.has(item.split(' ')[0]));
}

/**
 * A key of an action the user may not take, pressed on the screen `scope`: consumed before the screen sees it, and
 * the message line says why (`D deploy: refused, needs operator (you are viewer)`). Keys of overlays, prompts and the
 * assistant's views pass untouched. The worker refuses such a job anyway; this spares the person the round trip.
 */
export function useAccessGate(scope: string): void {
  const { store, keymap } = useDeckContext();
  const actions = useActions();
  useKeys('overlay', (press) => {
    const s = store.getState();
    if (s.ui.overlay !== null || s.assistant.shown) return false;
    const action = press.action([scope]);
    if (!action) return false;
    const why = actionDenied(action, s.access);
    if (!why) return false;
    const description = keymap.actionsIn(scope).find((a) => a.id === action)?.description ?? action;
    actions.ui.notify('warn', `${keyLabel(press.name)} ${description}: refused, ${why}`);
    return true;
  });
}
