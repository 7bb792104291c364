import { describe, expect, it } from 'vitest';
import { lineHistory, walkHistory } from '../../src/ui/lineHistory';

describe('prompt history', () => {
  it('keeps each line once, where it was last entered, and skips blank ones', () => {
    const h = lineHistory();
    for (const line of ['jobs', 'run ls', '  ', 'jobs ', 'region eu-west-1']) h.add(line);
    expect(h.entries).toEqual(['run ls', 'jobs', 'region eu-west-1']);
  });

  it('walks older with ↑ and back to the line being typed with ↓', () => {
    const entries = ['run ls', 'jobs'];
    const first = walkHistory(entries, undefined, -1, 'draft');
    expect(first?.text).toBe('jobs');
    const second = walkHistory(entries, first?.walk, -1, 'jobs');
    expect(second?.text).toBe('run ls');
    expect(walkHistory(entries, second?.walk, -1, 'run ls')).toBeUndefined();
    const back = walkHistory(entries, second?.walk, 1, 'run ls');
    expect(back?.text).toBe('jobs');
    expect(walkHistory(entries, back?.walk, 1, 'jobs')?.text).toBe('draft');
    expect(walkHistory(entries, undefined, 1, 'draft')).toBeUndefined();
  });

  it("starts from an earlier session's lines, each once where last entered, and tells each change", () => {
    const told: string[][] = [];
    const h = lineHistory(['jobs', 'run ls', ' ', 'jobs', 'profile prod'], (lines) => told.push([...lines]));
    expect(h.entries).toEqual(['run ls', 'jobs', 'profile prod']);
    h.add('run ls');
    expect(told).toEqual([['jobs', 'profile prod', 'run ls']]);
  });
});
