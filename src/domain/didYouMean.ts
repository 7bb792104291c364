/**
 * The candidate closest to `word` (case ignored) at most `maxDistance` edits away, the first of equals; for
 * "did you mean" in every error a person reads: unknown YAML keys, instance types.
 */
export function didYouMean(
  word: string,
  candidates: Iterable<string>,
  maxDistance: number,
): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Edits between two words, where swapping two neighbouring letters (`dpeth`) counts as one edit, as a typist
 * makes it (optimal string alignment): plain Levenshtein counts it as two and misses such typos in short words.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the (a.length + 1) x (b.length + 1) table: the transposition looks two rows back.
  let older: number[] = new Array(b.length + 1).fill(0);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row: number[] = new Array(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, older[j - 2] + 1);
      row[j] = d;
    }
    [older, prev, row] = [prev, row, older];
  }
  return prev[b.length];
}

/** `unknown key "x" for a scan job (did you mean "y"? allowed: a, b)`: a key a nested schema does not know. */
export function unknownKeyMessage(key: string, allowed: readonly string[], what: string): string {
  const guess = didYouMean(key, allowed, Math.max(1, Math.floor(key.length / 3)));
  return `unknown key "${key}" for ${what} (${guess ? `did you mean "${guess}"? ` : ''}allowed: ${allowed.join(', ')})`;
}
