import { type Key, useInput, useStdin } from 'ink';
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useLayoutEffect,
  useRef,
  useSyncExternalStore,
} from 'react';
import type { Keymap } from './keymap';
import { keyName } from './keyName';
import { lineEditorMetaKeys } from './lineEditor';
import { pasteReader, terminalKeyName } from './terminalInput';

export interface KeyPress {
  /**
   * Normalised key name (`j`, `enter`, `ctrl-c`…). `paste` is a bracketed paste, whole: its text is `input`
   * and no key of it is a key press (a line break in it submits nothing).
   */
  name: string;
  /** The raw text typed (for text inputs). */
  input: string;
  key: Key;
  /** The action bound to this key in the first of `scopes` that binds it. */
  action(scopes: readonly string[]): string | undefined;
}

/** Returns true when it consumed the key. */
export type KeyHandler = (press: KeyPress) => boolean;

/** Overlays see a key first, then the active screen, then the global keys. */
export type KeyLayer = 'overlay' | 'screen' | 'global';
const layerOrder: Record<KeyLayer, number> = { overlay: 0, screen: 1, global: 2 };

interface Registration {
  layer: KeyLayer;
  seq: number;
  handler: { current: KeyHandler };
}

const DispatcherContext = createContext<{ add(r: Registration): () => void } | null>(null);

/** The one `useInput` of the app: every key goes through the layered handlers here. */
/** The console's state as the dispatcher watches it: a key that changed it waits for its frame before the next. */
export interface WatchedState {
  subscribe(listener: () => void): () => void;
  getState(): unknown;
}

export function KeyDispatcher({
  keymap,
  state,
  onInterrupt,
  onError,
  children,
}: {
  keymap: Keymap;
  state?: WatchedState;
  /** Ctrl-C: always quits, whatever layer is open and however keys are rebound. */
  onInterrupt: () => void;
  /** A key handler that throws is reported, not fatal: one bad row must not take the console down. */
  onError: (error: unknown) => void;
  children: ReactNode;
}) {
  const registrations = useRef<Registration[]>([]);
  const api = useRef({
    add(r: Registration) {
      registrations.current = [...registrations.current, r].sort(
        (a, b) => layerOrder[a.layer] - layerOrder[b.layer] || b.seq - a.seq,
      );
      return () => {
        registrations.current = registrations.current.filter((x) => x !== r);
      };
    },
  });

  const dispatch = (input: string, key: Key, name = keyName(input, key)) => {
    if (name === 'ctrl-c') {
      onInterrupt();
      return;
    }
    const press: KeyPress = { name, input, key, action: (scopes) => keymap.resolve(name, scopes) };
    try {
      for (const r of registrations.current) {
        if (r.handler.current(press)) return;
      }
    } catch (error) {
      onError(error);
    }
  };

  // Over a slow link (or from tmux send-keys) several keystrokes arrive in one read and Ink hands them over
  // as one string; on a busy host the next read can also come before the frame. Keys are replayed one by one,
  // and a key that changed the console's state waits for the frame that shows it (its layers registered): `:`
  // has opened the palette before `run ls` is typed into it.
  const queue = useRef<Array<[string, Key, string?]>>([]);
  const waiting = useRef(false);
  const committed = useRef<(() => void) | undefined>(undefined);
  const commits = useRef(0);
  const drain = () => {
    const next = queue.current.shift();
    if (!next) {
      waiting.current = false;
      return;
    }
    const was = state?.getState();
    const before = commits.current;
    dispatch(...next);
    waiting.current = true;
    // Nothing changed (a change is a new state object), or its frame is committed already (a render can run
    // within the key's handler).
    if (!state || state.getState() === was || commits.current !== before) {
      setTimeout(drain, 0);
      return;
    }
    // Its frame, else (nothing drawn for it) a moment: a key is never held for good.
    const fallback = setTimeout(() => go(), 100);
    const go = () => {
      clearTimeout(fallback);
      committed.current = undefined;
      setTimeout(drain, 0);
    };
    committed.current = go;
  };
  const enqueue = (...presses: Array<[string, Key, string?]>) => {
    queue.current.push(...presses);
    if (!waiting.current) drain();
  };

  // useInput hands over a parsed key, not the bytes: Backspace (DEL) and Delete (ESC [3~) both arrive as
  // `delete`, and the bracketed-paste markers as the text `[200~`. A listener put before useInput's on Ink's
  // input events sees the sequence of the key useInput is about to deliver.
  const { internal_eventEmitter: inputEvents } = useStdin();
  const raw = useRef<string | undefined>(undefined);
  useEffect(() => {
    const record = (sequence: string) => {
      raw.current = sequence;
    };
    inputEvents?.prependListener('input', record);
    return () => {
      inputEvents?.removeListener('input', record);
    };
  }, [inputEvents]);
  const latestEnqueue = useRef(enqueue);
  latestEnqueue.current = enqueue;
  const paste = useRef<ReturnType<typeof pasteReader> | undefined>(undefined);
  paste.current ??= pasteReader((text) => latestEnqueue.current([text, plainKey, 'paste']));
  useEffect(() => () => paste.current?.dispose(), []);

  useInput((input, key) => {
    const sequence = raw.current;
    raw.current = undefined;
    if (sequence !== undefined && paste.current?.take(sequence)) return;
    const chars = Array.from(input);
    // Two Escapes in one read (pressed quickly over ssh, or sent by tmux) reach Ink as one ESC ESC, which it reads
    // as one Alt-Esc: they are two Escapes, as vim and less take them (nothing is bound to Alt-Esc).
    if (sequence === '\x1b\x1b') enqueue([input, key, 'esc'], [input, key, 'esc']);
    // Esc then Enter in one read (a question closed with Esc and the row opened, typed quickly over ssh) reach Ink as
    // ESC CR, which it reads as Enter alone: the Esc was lost, and the Enter went to the question still open.
    else if (sequence === '\x1b\r')
      enqueue([input, escKey, 'esc'], ['\r', { ...plainKey, return: true }, 'enter']);
    // Esc and a key in one read (`Esc 4` typed quickly over ssh) reach Ink as ESC 4, its Alt-4: an Alt key nothing
    // binds is the two keys it was typed as.
    else if (escThenKey(sequence, key, keymap)) enqueue([input, escKey, 'esc'], singlePress(input, plainKey));
    else if (chars.length > 1 && !key.ctrl && !key.meta && !key.escape)
      enqueue(...chars.map((ch) => singlePress(ch, key)));
    else enqueue([input, key, terminalKeyName(sequence, input, key)]);
  });

  return (
    <DispatcherContext.Provider value={api.current}>
      {children}
      {state ? (
        <CommitProbe
          state={state}
          onCommit={() => {
            commits.current++;
            committed.current?.();
          }}
        />
      ) : null}
    </DispatcherContext.Provider>
  );
}

/**
 * Renders nothing, after everything else, on every change of the state: its layout effect runs once a change's
 * frame is committed, the layers it opened registered (they register in layout effects, earlier in the tree).
 */
function CommitProbe({ state, onCommit }: { state: WatchedState; onCommit: () => void }) {
  useSyncExternalStore(state.subscribe, state.getState);
  useLayoutEffect(() => onCommit());
  return null;
}

let registrationSeq = 0;

/** Registers a key handler in a layer while `active`; the newest handler in a layer goes first. */
export function useKeys(layer: KeyLayer, handler: KeyHandler, active = true): void {
  const dispatcher = useContext(DispatcherContext);
  const ref = useRef(handler);
  ref.current = handler;
  // A layout effect runs as the frame commits, so an overlay opened by one key already receives the next one.
  useLayoutEffect(() => {
    if (!active || !dispatcher) return;
    return dispatcher.add({ layer, seq: ++registrationSeq, handler: ref });
  }, [dispatcher, layer, active]);
}

/** A key with no flag set: how a paste (text, not a key) is handed over. */
export const plainKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** The key flags of one character taken out of a multi-key chunk. */
const escKey: Key = { ...plainKey, escape: true };

/** ESC and one printable character whose Alt key is bound to nothing (not an input's Alt-B/F/D either). */
function escThenKey(sequence: string | undefined, key: Key, keymap: Keymap): boolean {
  if (!key.meta || key.escape || sequence?.length !== 2 || sequence[0] !== '\x1b') return false;
  const ch = sequence[1];
  if (ch < ' ' || ch === '\x7f') return false;
  const name = `meta-${ch}`;
  return !lineEditorMetaKeys.has(name) && !keymap.binds(name);
}

/**
 * One character of a read that held several, as the key Ink gives when it comes alone: Enter, Tab, Backspace, and
 * a control character as its Ctrl key (`\x15` is Ctrl-U: typed ahead of `main` over a slow ssh, it was dropped).
 */
function singlePress(ch: string, chunk: Key): [string, Key] {
  const plain = { ...chunk, return: false, tab: false, backspace: false, shift: ch !== ch.toLowerCase() };
  if (ch === '\r' || ch === '\n') return [ch, { ...plain, return: true }];
  if (ch === '\t') return [ch, { ...plain, tab: true }];
  if (ch === '\x7f' || ch === '\b') return [ch, { ...plain, backspace: true }];
  if (ch >= '\x01' && ch <= '\x1a')
    return [String.fromCharCode(ch.charCodeAt(0) + 96), { ...plain, ctrl: true, shift: false }];
  return [ch, plain];
}
