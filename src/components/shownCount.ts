/**
 * How a screen's summary line counts its rows: `325 resources`, or `2 of 325 resources` while a `/` filter
 * hides some, so the count never claims more than the table shows.
 */
export function shownCount(shown: number, total: number, noun: string, plural = `${noun}s`): string {
  const word = total === 1 ? noun : plural;
  return shown < total ? `${shown} of ${total} ${word}` : `${total} ${word}`;
}

/**
 * For a summary that counts its rows in its own words (hosts and instances, runs and files): `2 of 61 rows shown`
 * while a `/` filter hides some, else nothing.
 */
export function filteredRows(shown: number, total: number): string | undefined {
  return shown < total ? `${shown} of ${total} rows shown` : undefined;
}
