import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommit } from '../../src/services/git/gitRepo';
import { ScratchRepos } from './scratchRepos';

let repos: ScratchRepos;
let path: string;
beforeAll(() => {
  repos = new ScratchRepos();
  path = repos.init('app');
  repos.commit(path, 'README.md', 'hello\n', 'first commit');
});
afterAll(() => repos.cleanup());

const entry = () => ({ name: 'app', path, source: 'repos.yaml' as const });

describe('readCommit (the commit view)', () => {
  it('is git show --stat of that commit', async () => {
    const lines = await readCommit(entry(), repos.shortHead(path));
    expect(lines[0]).toBe(`commit ${repos.git(path, 'rev-parse', 'HEAD').trim()}`);
    expect(lines).toContain('    first commit');
    expect(lines.join('\n')).toMatch(/README\.md \| 1 \+\n 1 file changed, 1 insertion\(\+\)$/);
  });

  it('refuses what is not a commit id, so nothing reaches git as an option', async () => {
    await expect(readCommit(entry(), '--output=/tmp/x')).rejects.toThrow(
      'not a commit id: "--output=/tmp/x"',
    );
    await expect(readCommit(entry(), 'deadbeef')).rejects.toThrow(/deadbeef/);
  });
});
