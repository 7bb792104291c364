import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run';
import { isBusError } from '../../src/services/bus/busError';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { openBus } from '../../src/services/bus/openBus';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { alice, waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

function io(env: NodeJS.ProcessEnv, readOnly = false) {
  return { stdout: new Capture(), stderr: new Capture(), env: { USER: 'alice', ...env }, readOnly };
}

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-ro-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(skipRedis)('read-only and command jobs over Redis', () => {
  let prefix: string;
  let bus: Bus;
  let env: NodeJS.ProcessEnv;

  async function setup(worker: { readOnly: boolean } | undefined) {
    prefix = uniquePrefix('ro');
    env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, INFRADECK_READONLY: '' };
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    if (worker) bus.consume(jobHandlersFor({ readOnly: worker.readOnly }), { heartbeatMs: 200 });
  }

  afterEach(async () => {
    await bus?.close();
    await deletePrefix(prefix);
  });

  it('a read-only worker refuses a command for good (no retry), audited, and runs nothing', async () => {
    await setup({ readOnly: true });
    const file = join(scratch(), 'F');
    const t = io(env);
    const code = await runCommand(['--wait', '--attempts', '3', '--', 'touch', file], t);
    expect(code).toBe(1);
    expect(t.stderr.text).toMatch(
      /failed after 1\/3 attempts.*: refused: run touch \S+: read-only mode \(this worker runs read-only \(--readonly or INFRADECK_READONLY\)\) and a command can change anything; nothing was run/,
    );
    expect(existsSync(file)).toBe(false);
    const [job] = await bus.queue.list();
    expect(job).toMatchObject({ status: 'failed', attempts: 1, maxAttempts: 3 });
    const finish = (await bus.audit.list()).find((e) => e.action === 'job.finish');
    expect(finish).toMatchObject({ jobId: job.id, outcome: 'failed', what: `touch ${file}` });
    expect(finish?.reason).toMatch(/^refused: run touch .*read-only mode/);
  });

  it('`infradeck --readonly run` is refused before anything is queued, and the refusal is audited', async () => {
    await setup({ readOnly: false });
    const file = join(scratch(), 'F');
    for (const [t, how] of [
      [io(env, true), '--readonly'],
      [io({ ...env, INFRADECK_READONLY: '1' }), 'INFRADECK_READONLY=1'],
    ] as const) {
      expect(await runCommand(['--wait', '--', 'touch', file], t), how).toBe(1);
      expect(t.stderr.text).toContain(
        `infradeck run: refused: command job "touch ${file}": read-only mode (--readonly or INFRADECK_READONLY) and a command job can change things; nothing was queued`,
      );
    }
    expect(existsSync(file)).toBe(false);
    expect(await bus.queue.list()).toEqual([]);
    const audit = await bus.audit.list();
    expect(audit.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'job.enqueue:rejected',
      'job.enqueue:rejected',
    ]);
    expect(audit[0]).toMatchObject({ who: { user: 'alice' }, kind: 'command', what: `touch ${file}` });
    expect(audit[0].reason).toMatch(/read-only mode/);
  });
});

describe('read-only and command jobs without Redis', () => {
  let deck: DeckSession | undefined;
  let bus: Bus | undefined;
  afterEach(async () => {
    deck?.unmount();
    deck = undefined;
    await bus?.close();
    bus = undefined;
  });

  it('the queue refuses a job that can change something when asked read-only; a scan still goes', async () => {
    bus = openMemoryBus({ requester: alice });
    const refused = await bus.queue
      .enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice, readOnly: true })
      .catch((e) => e);
    expect(isBusError(refused, 'refused')).toBe(true);
    const scan = await bus.queue.enqueue({ kind: 'scan', payload: {}, requestedBy: alice, readOnly: true });
    expect(await bus.queue.get(scan)).toBeDefined();
    const entries = await bus.audit.list();
    expect(entries.map((e) => `${e.kind}:${e.outcome}`)).toEqual(['command:rejected', 'scan:accepted']);
  });

  it('the console in read-only mode refuses `:run`, says why, and the refusal is in the audit trail', async () => {
    const made = memoryDeckBus();
    bus = made.bus;
    deck = await startDeck({ bus: made.deckBus, size: { columns: 140, rows: 30 }, readOnly: true });
    await deck.press(':');
    await deck.type('run touch /tmp/infradeck-should-not-exist');
    await deck.press('enter');
    await deck.waitFor('read-only mode');
    expect(await bus.queue.list()).toEqual([]);
    const b = bus;
    const entry = await waitFor('the audit entry', async () => (await b.audit.list())[0]);
    expect(entry).toMatchObject({
      action: 'job.enqueue',
      outcome: 'rejected',
      kind: 'command',
      what: 'touch /tmp/infradeck-should-not-exist',
    });
  });

  it('a read-only in-process worker refuses commands queued by anyone', async () => {
    const file = join(scratch(), 'F');
    bus = openMemoryBus({ requester: alice, handlers: jobHandlersFor({ readOnly: true }) });
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'touch', args: [file] },
      requestedBy: alice,
      attempts: 2,
    });
    const b = bus;
    const job = await waitFor('the refusal', async () => {
      const view = await b.queue.get(id);
      return view?.status === 'failed' ? view : undefined;
    });
    expect(job.attempts).toBe(1);
    expect(job.error).toMatch(/^refused: run touch .*nothing was run$/);
    expect(existsSync(file)).toBe(false);
  });
});
