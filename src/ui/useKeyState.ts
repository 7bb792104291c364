import { useRef, useState } from 'react';

/**
 * State that key handlers read through `get()`: several keys can be handled before React renders again
 * (a paste, keys replayed from one read), and each must see what the one before it wrote.
 */
export function useKeyState<T>(initial: T | (() => T)): [T, () => T, (next: T) => void] {
  const [value, setValue] = useState(initial);
  const latest = useRef(value);
  const set = (next: T) => {
    latest.current = next;
    setValue(next);
  };
  return [value, () => latest.current, set];
}
