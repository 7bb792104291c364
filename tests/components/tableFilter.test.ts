import { describe, expect, it } from 'vitest';
import { parseFilter, rowPasses } from '../../src/domain/tableFilter';

const names = [
  'web-1 eu-west-1 running',
  'web-2 us-east-1 stopped',
  'db-1 eu-west-1 running',
  'API-gw global',
];

function matching(text: string): string[] {
  const f = parseFilter(text);
  if (!f.ok) throw new Error(f.error);
  return names.filter((n) => f.test(n));
}

describe('parseFilter', () => {
  it('empty text matches everything', () => {
    expect(matching('')).toEqual(names);
    expect(matching('   ')).toEqual(names);
  });

  it('plain text is a case-insensitive substring', () => {
    expect(matching('WEB')).toEqual(names.slice(0, 2));
    expect(matching('api')).toEqual(['API-gw global']);
    // regex metacharacters are literal in plain text
    expect(matching('.')).toEqual([]);
  });

  it('re: is a case-insensitive regex', () => {
    expect(matching('re:^(web|db)-1 ')).toEqual(['web-1 eu-west-1 running', 'db-1 eu-west-1 running']);
    expect(matching('re:^api')).toEqual(['API-gw global']);
    const f = parseFilter('re:^a');
    expect(f.ok && f.describe).toBe('/^a/i');
  });

  it('a leading ! inverts either form', () => {
    expect(matching('!running')).toEqual(['web-2 us-east-1 stopped', 'API-gw global']);
    expect(matching('!re:^web')).toEqual(['db-1 eu-west-1 running', 'API-gw global']);
    const f = parseFilter('!foo');
    expect(f.ok && f.describe).toBe('not containing "foo"');
  });

  it('a half-typed filter (`!`, `re:`, `!re:`) shows everything', () => {
    expect(matching('!')).toEqual(names);
    expect(matching('re:')).toEqual(names);
    expect(matching('!re:')).toEqual(names);
  });

  it('an invalid regex is an error naming the filter and the reason, not a throw', () => {
    const f = parseFilter('re:web-(1');
    expect(f.ok).toBe(false);
    if (!f.ok) {
      expect(f.error).toContain('"re:web-(1"');
      expect(f.error).toMatch(/invalid regex: .*Unterminated group/);
    }
    expect(parseFilter('!re:[').ok).toBe(false);
  });
});

describe('filters match cell by cell, and can name a column', () => {
  const columns = [
    { key: 'name', title: 'NAME' },
    { key: 'region', title: 'REGION' },
    { key: 'state', title: 'STATE' },
  ];
  const rows = [
    ['web-12', 'eu-west-1', 'running'],
    ['web-x', 'eu-central-1', 'stopped'],
    ['db-1', 'us-east-1', 'running'],
    ['legacy-web-3', 'ap-northeast-1', 'terminated'],
  ];
  const passing = (text: string) => {
    const f = parseFilter(text);
    if (!f.ok) throw new Error(f.error);
    return rows.filter((cells) => rowPasses(f, cells, columns)).map((cells) => cells[0]);
  };

  it('an anchored regex sees one value, not the joined row', () => {
    expect(passing('re:^web-\\d+')).toEqual(['web-12']);
    expect(passing('re:^eu-')).toEqual(['web-12', 'web-x']);
  });

  it('column:value looks only in that column, by key or title, any case', () => {
    expect(passing('state:running')).toEqual(['web-12', 'db-1']);
    expect(passing('STATE:stop')).toEqual(['web-x']);
    expect(passing('name:re:^web')).toEqual(['web-12', 'web-x']);
    expect(passing('!state:running')).toEqual(['web-x', 'legacy-web-3']);
  });

  it('a * makes a glob over the whole cell', () => {
    expect(passing('region:eu-*')).toEqual(['web-12', 'web-x']);
    expect(passing('*-1')).toEqual(['web-12', 'web-x', 'db-1', 'legacy-web-3']);
    expect(passing('region:*-1')).toEqual(['web-12', 'web-x', 'db-1', 'legacy-web-3']);
  });

  it('a name before : that is no column is plain text', () => {
    expect(passing('zone:x')).toEqual([]);
    expect(passing('b-1')).toEqual(['web-12', 'db-1']);
  });
});
