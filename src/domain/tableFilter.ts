export interface TableFilter {
  ok: true;
  test(haystack: string): boolean;
  /** How the filter reads, for a status line: `all rows`, `contains "web"`, `not /^a/i`. */
  describe: string;
  /** True when the filter lets every row through (empty text, a lone `!`, an empty `re:`). */
  matchesAll: boolean;
}

export interface TableFilterError {
  ok: false;
  error: string;
}

const everything: TableFilter = { ok: true, test: () => true, describe: 'all rows', matchesAll: true };

/**
 * The `/` filter of a table. `web` = case-insensitive substring, `re:^web-\d+` = case-insensitive regex,
 * a leading `!` inverts either (`!web`, `!re:^a`). Surrounding whitespace is ignored; an empty filter
 * (or one still being typed: `!`, `re:`) matches everything. A bad regex is an error value, never a throw.
 */
export function parseFilter(text: string): TableFilter | TableFilterError {
  let body = text.trim();
  const invert = body.startsWith('!');
  if (invert) body = body.slice(1);
  if (body.startsWith('re:')) {
    const pattern = body.slice(3);
    if (pattern === '') return everything;
    let re: RegExp;
    try {
      re = new RegExp(pattern, 'i');
    } catch (e) {
      const reason = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
      return { ok: false, error: `filter ${JSON.stringify(text.trim())}: invalid regex: ${reason}` };
    }
    return {
      ok: true,
      test: invert ? (h) => !re.test(h) : (h) => re.test(h),
      describe: `${invert ? 'not ' : ''}/${pattern}/i`,
      matchesAll: false,
    };
  }
  if (body === '') return everything;
  const needle = body.toLowerCase();
  return {
    ok: true,
    test: invert ? (h) => !h.toLowerCase().includes(needle) : (h) => h.toLowerCase().includes(needle),
    describe: `${invert ? 'not containing' : 'contains'} ${JSON.stringify(body)}`,
    matchesAll: false,
  };
}
