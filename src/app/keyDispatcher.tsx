import { type Key, useInput } from 'ink';
import { createContext, type ReactNode, useContext, useEffect, useRef } from 'react';
import type { Keymap } from './keymap';
import { keyName } from './keyName';

export interface KeyPress {
  /** Normalised key name (`j`, `enter`, `ctrl-c`…). */
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
export function KeyDispatcher({
  keymap,
  onInterrupt,
  children,
}: {
  keymap: Keymap;
  /** Ctrl-C: always quits, whatever layer is open and however keys are rebound. */
  onInterrupt: () => void;
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

  useInput((input, key) => {
    const name = keyName(input, key);
    if (name === 'ctrl-c') {
      onInterrupt();
      return;
    }
    const press: KeyPress = { name, input, key, action: (scopes) => keymap.resolve(name, scopes) };
    for (const r of registrations.current) {
      if (r.handler.current(press)) return;
    }
  });

  return <DispatcherContext.Provider value={api.current}>{children}</DispatcherContext.Provider>;
}

let registrationSeq = 0;

/** Registers a key handler in a layer while `active`; the newest handler in a layer goes first. */
export function useKeys(layer: KeyLayer, handler: KeyHandler, active = true): void {
  const dispatcher = useContext(DispatcherContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!active || !dispatcher) return;
    return dispatcher.add({ layer, seq: ++registrationSeq, handler: ref });
  }, [dispatcher, layer, active]);
}
