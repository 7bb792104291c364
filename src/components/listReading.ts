/**
 * What a list says while it is still read and has no row yet (`reading servers.yaml…`): its count (`0 servers`)
 * and its empty text (`No servers. Add hosts…`) would both be false until the read ends. `what` is the list's
 * `loading` (`LoadingList` in ui/listKeys), so the table, the summary and a row key pressed meanwhile all say it.
 */
export function readingText(what: string): string {
  return `reading ${what}…`;
}

/** The summary's count, or what is being read while `loading` (the count of a list not read yet is not 0). */
export function countOrReading(loading: string | undefined, count: string): string {
  return loading === undefined ? count : readingText(loading);
}
