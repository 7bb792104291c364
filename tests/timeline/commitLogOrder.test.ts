import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCommitLog } from '../../src/services/timeline/commitLog';
import { ScratchRepos } from '../git/scratchRepos';

describe('the commits the Timeline reads', () => {
  let repos: ScratchRepos;
  beforeEach(() => {
    repos = new ScratchRepos();
  });
  afterEach(() => repos.cleanup());

  it('come oldest first, commits of the same second in the order they were made', async () => {
    // Every scratch commit has the same committer second, as a script's or a rebase's often do.
    const path = repos.init('app');
    repos.commit(path, 'a.txt', '1\n', 'first');
    repos.commit(path, 'a.txt', '2\n', 'second');
    repos.commit(path, 'a.txt', '3\n', 'third');
    const read = await readCommitLog(
      [{ name: 'app', path, source: 'repos.yaml' }],
      1_600_000_000_000,
      1_800_000_000_000,
    );
    expect(read.errors).toEqual([]);
    expect(read.commits.map((c) => c.subject)).toEqual(['first', 'second', 'third']);
    expect(read.commits.at(-1)?.hash).toBe(repos.shortHead(path));
  });
});
