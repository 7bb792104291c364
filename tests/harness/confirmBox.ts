/** The rows inside a confirmation's border, without the border and its padding. */
export function confirmRows(frame: string): string[] {
  return frame
    .split('\n')
    .filter((l) => /^\s*│ .* │$/.test(l))
    .map((l) =>
      l
        .replace(/^\s*│ /, '')
        .replace(/ │$/, '')
        .trimEnd(),
    );
}

/** What a confirmation says, its rows joined again into the lines they were wrapped from. */
export function confirmText(frame: string): string {
  return confirmRows(frame)
    .map((l) => l.trim())
    .join(' ');
}
