import { escapeRegex, userRegex } from './userRegex';

export interface TableFilter {
  ok: true;
  /** One text as a whole (a single cell): `matchCell`, inverted when the filter is. */
  test(text: string): boolean;
  /** Whether one cell matches, before inversion. */
  matchCell(cell: string): boolean;
  /** `!` in front: a row passes when none of its (named) cells match. */
  invert: boolean;
  /** Only the cells of this column (its key or title, any case), when the filter names one: `state:running`. */
  column?: string;
  /** The whole text read as a plain filter over every cell: used when no column has the name before `:`. */
  unscoped?: TableFilter;
  /** How the filter reads, for a status line: `all rows`, `contains "web"`, `not /^a/i`, `state contains "run"`. */
  describe: string;
  /** True when the filter lets every row through (empty text, a lone `!`, an empty `re:`). */
  matchesAll: boolean;
}

export interface TableFilterError {
  ok: false;
  error: string;
}

const everything: TableFilter = {
  ok: true,
  test: () => true,
  matchCell: () => true,
  invert: false,
  describe: 'all rows',
  matchesAll: true,
};

/**
 * The `/` filter of a table, matched cell by cell (a regex anchored with `^` or `$` sees one value, not the
 * joined row). `web` = case-insensitive substring, `re:^web-\d+` = case-insensitive regex, `eu-*` = a glob over
 * the whole cell; `column:value` looks only in that column (`state:running`, `region:eu-*`,
 * `name:re:^web`); a leading `!` inverts any of them. Surrounding whitespace is ignored; an empty filter (or
 * one still being typed: `!`, `re:`) matches everything. A bad regex is an error value, never a throw.
 */
export function parseFilter(text: string): TableFilter | TableFilterError {
  let body = text.trim();
  const invert = body.startsWith('!');
  if (invert) body = body.slice(1);
  const scoped = /^([a-z][a-z0-9_-]*):(?!\/\/)(.*)$/i.exec(body);
  if (scoped && scoped[1].toLowerCase() !== 're') {
    const inner = cellFilter(scoped[2], invert, text);
    if (!inner.ok) return inner;
    const unscoped = cellFilter(body, invert, text, true);
    if (!unscoped.ok) return unscoped;
    if (inner.matchesAll) return everything;
    return {
      ...inner,
      column: scoped[1].toLowerCase(),
      unscoped,
      describe: `${scoped[1]} ${inner.describe}`,
    };
  }
  return cellFilter(body, invert, text);
}

function cellFilter(
  body: string,
  invert: boolean,
  text: string,
  literal = false,
): TableFilter | TableFilterError {
  const make = (matchCell: (cell: string) => boolean, what: string): TableFilter => ({
    ok: true,
    test: invert ? (t) => !matchCell(t) : matchCell,
    matchCell,
    invert,
    describe: `${invert ? 'not ' : ''}${what}`,
    matchesAll: false,
  });
  if (!literal && body.startsWith('re:')) {
    const pattern = body.slice(3);
    if (pattern === '') return everything;
    const compiled = userRegex(pattern, 'i');
    if (!compiled.ok)
      return { ok: false, error: `filter ${JSON.stringify(text.trim())}: invalid regex: ${compiled.reason}` };
    const { re } = compiled;
    return make((c) => re.test(c), `/${pattern}/i`);
  }
  if (body === '') return everything;
  if (!literal && body.includes('*')) {
    const glob = new RegExp(`^${body.split('*').map(escapeRegex).join('.*')}$`, 'i');
    return make((c) => glob.test(c), `like ${JSON.stringify(body)}`);
  }
  const needle = body.toLowerCase();
  return make(
    (c) => c.toLowerCase().includes(needle),
    invert ? `containing ${JSON.stringify(body)}` : `contains ${JSON.stringify(body)}`,
  );
}

/**
 * Whether a row passes: its cells (one per column, in column order) are matched one by one; a filter naming a
 * column looks only at that column's cells, and falls back to the whole text over every cell when no column
 * has that key or title.
 */
export function rowPasses(
  f: TableFilter,
  cells: readonly string[],
  columns: readonly { key: string; title: string }[],
): boolean {
  if (f.matchesAll) return true;
  let filter = f;
  let indexes: number[] | undefined;
  if (f.column) {
    indexes = columnIndexes(f.column, columns);
    if (indexes.length === 0) {
      if (!f.unscoped) return true;
      filter = f.unscoped;
      indexes = undefined;
    }
  }
  let hit = false;
  if (indexes) {
    for (const i of indexes) if (filter.matchCell(cells[i] ?? '')) hit = true;
  } else {
    for (const cell of cells) {
      if (filter.matchCell(cell)) {
        hit = true;
        break;
      }
    }
  }
  return filter.invert ? !hit : hit;
}

function columnIndexes(name: string, columns: readonly { key: string; title: string }[]): number[] {
  const out: number[] = [];
  columns.forEach((c, i) => {
    if (c.key.toLowerCase() === name || c.title.toLowerCase() === name) out.push(i);
  });
  return out;
}
