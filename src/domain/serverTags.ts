/** `role=web env=prod`: the tags a person set, in their order (not `Name`, nor AWS's or infradeck's own). */
export function tagsText(row: { tags?: Record<string, string> }): string {
  return Object.entries(row.tags ?? {})
    .filter(([k]) => k !== 'Name' && !k.startsWith('aws:') && !k.startsWith('infradeck:'))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
