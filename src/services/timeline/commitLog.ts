import type { RepoEntry } from '../../domain/repo';
import type { TimelineCommit } from '../../domain/timelineLanes';
import { type GitReadOptions, runGit } from '../git/gitRepo';

// \x1f and \x1e cannot appear in a hash or a number, and a one-line subject practically never holds them.
const format = '--format=%h%x1f%ct%x1f%an%x1f%s%x1e';

export interface CommitLogOptions extends GitReadOptions {
  /** Per repository (newest kept). Default 2,000. */
  maxPerRepo?: number;
}

export interface CommitLogRead {
  commits: TimelineCommit[];
  /** `repo: what went wrong`, one per repository that could not be read. */
  errors: string[];
}

/**
 * The commits of each repository committed in `[start, end)` (epoch ms), from `git log` of its checked-out
 * branch, by committer date (when it landed, not when it was written).
 */
export async function readCommitLog(
  entries: readonly RepoEntry[],
  start: number,
  end: number,
  opts: CommitLogOptions = {},
): Promise<CommitLogRead> {
  const max = Math.max(1, Math.floor(opts.maxPerRepo ?? 2_000));
  const since = Math.floor(start / 1000);
  const until = Math.ceil(end / 1000);
  const reads = await Promise.allSettled(
    entries.map((entry) =>
      runGit(
        entry.path,
        ['log', `--max-count=${max}`, `--since=@${since}`, `--until=@${until}`, format],
        opts,
      ),
    ),
  );
  const out: CommitLogRead = { commits: [], errors: [] };
  reads.forEach((r, i) => {
    const repo = entries[i].name;
    if (r.status === 'rejected') {
      const message = (r.reason as Error).message;
      // A repository without commits yet has no log: nothing to draw, nothing wrong.
      if (!/does not have any commits|bad default revision/.test(message))
        out.errors.push(`${repo}: ${message}`);
      return;
    }
    // git lists the newest first; reversed, commits of the same second (a script's, a rebase's) keep the order
    // they were made in through the stable sort below, so "newest first" on the Timeline starts with the last one.
    for (const c of parseCommitLog(r.value, repo).reverse()) {
      if (c.time >= start && c.time < end) out.commits.push(c);
    }
  });
  out.commits.sort((a, b) => a.time - b.time);
  return out;
}

export function parseCommitLog(out: string, repo: string): TimelineCommit[] {
  const commits: TimelineCommit[] = [];
  for (const record of out.split('\x1e')) {
    const text = record.replace(/^\n/, '');
    if (!text) continue;
    const [hash, time, author, ...subject] = text.split('\x1f');
    const seconds = Number(time);
    if (!hash || !Number.isFinite(seconds)) continue;
    commits.push({ repo, hash, time: seconds * 1000, author: author ?? '', subject: subject.join(' ') });
  }
  return commits;
}
