/** `text` as regex source that matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regular expression a user typed (`re:…` in a filter or a search): compiled, or why not; never a throw. */
export function userRegex(
  source: string,
  flags: string,
): { ok: true; re: RegExp } | { ok: false; reason: string } {
  try {
    return { ok: true, re: new RegExp(source, flags) };
  } catch (e) {
    return {
      ok: false,
      reason: e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e),
    };
  }
}
