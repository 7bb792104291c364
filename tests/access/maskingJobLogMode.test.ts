import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { JobHistory } from '../../src/services/bus/jobHistory';

let dir: string;
let umask: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-logmode-'));
  // The usual umask, under which a file opened 0644 stays readable by everyone.
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;

describe("the job history's files", () => {
  it('are readable by their owner only: <data>/jobs/<id>.log and <id>.json are 0600, even over older 0644 files', async () => {
    const history = new JobHistory(dir);
    const view = await history.create((id) => finishedJob(id));
    history.save(view, [{ attempt: 1, seq: 0, stream: 'stdout', text: 'hello', at: 1 }]);
    await history.flush();
    const log = join(dir, 'jobs', `${view.id}.log`);
    expect(mode(log)).toBe(0o600);
    expect(mode(join(dir, 'jobs', `${view.id}.json`))).toBe(0o600);

    // A record left by an older version, readable by everyone: the next save closes it.
    chmodSync(log, 0o644);
    const older = join(dir, 'jobs', '7.log');
    mkdirSync(join(dir, 'jobs'), { recursive: true });
    writeFileSync(older, '', { mode: 0o644 });
    history.save({ ...view, id: '7' }, []);
    history.save(view, []);
    await history.flush();
    expect(mode(log)).toBe(0o600);
    expect(mode(older)).toBe(0o600);
  });
});

function finishedJob(id: string): JobView {
  return {
    id,
    kind: 'command',
    payload: { program: 'echo', args: ['hello'] },
    status: 'completed',
    step: 0,
    total: 0,
    attempts: 1,
    maxAttempts: 1,
    createdAt: 1,
    finishedAt: 2,
    requestedBy: { user: 'ada', host: 'jump1' },
  };
}
