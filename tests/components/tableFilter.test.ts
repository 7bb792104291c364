import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/domain/tableFilter';

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
