import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareEventIds, type DeckEvent, eventIdAt, readStoredEvent } from '../../src/domain/event';
import { checkJobSpec, describeJob } from '../../src/domain/job';
import { isBusError } from '../../src/services/bus/busError';
import { MemoryAuditLog } from '../../src/services/bus/memoryAudit';
import { MemoryEventBus } from '../../src/services/bus/memoryEvents';
import { openBus } from '../../src/services/bus/openBus';
import { LineSplitter } from '../../src/services/process/lineSplitter';
import { alice, waitFor } from './contractSuite';
import { freePort } from './redisTestEnv';

describe('job specs', () => {
  it('applies payload defaults and keeps the options', () => {
    const check = checkJobSpec({
      kind: 'command',
      payload: { program: 'make' },
      requestedBy: alice,
      idempotencyKey: 'k',
      timeoutMs: 1000,
    });
    expect(check).toEqual({
      ok: true,
      spec: {
        kind: 'command',
        payload: { program: 'make', args: [], shell: false },
        requestedBy: alice,
        idempotencyKey: 'k',
        timeoutMs: 1000,
        attempts: undefined,
      },
    });
  });

  it('says what is wrong and where', () => {
    const bad = (spec: unknown) => {
      const c = checkJobSpec(spec);
      return c.ok ? 'ok' : c.error;
    };
    expect(bad(null)).toBe('job spec is not an object');
    expect(bad({ kind: 'command', payload: { program: 'x', shell: 'yes' }, requestedBy: alice })).toBe(
      'command payload: shell: Invalid input: expected boolean, received string',
    );
    expect(bad({ kind: 'command', payload: { program: 'x', extra: 1 }, requestedBy: alice })).toContain(
      'command payload: Unrecognized key: "extra"',
    );
    expect(
      bad({ kind: 'command', payload: { program: 'x', env: { 'BAD-NAME': '1' } }, requestedBy: alice }),
    ).toContain('command payload: env.BAD-NAME: "BAD-NAME" is not a variable name');
    expect(bad({ kind: 'command', payload: { program: 'x' }, requestedBy: { user: '' } })).toContain(
      'requestedBy:',
    );
    expect(bad({ kind: 'command', payload: { program: 'x' }, requestedBy: alice, timeoutMs: -5 })).toBe(
      'timeoutMs: -5 is not a positive whole number',
    );
    expect(bad({ kind: 'command', payload: { program: 'x' }, requestedBy: alice, attempts: 0 })).toBe(
      'attempts: 0 is not a whole number from 1 to 50',
    );
  });

  it('describes a command the way a shell user would type it', () => {
    expect(describeJob('command', { program: 'echo', args: ['a b', "it's", 'plain'] })).toBe(
      `echo 'a b' 'it'\\''s' plain`,
    );
    expect(describeJob('command', { program: 'ls | wc -l', args: [], shell: true })).toBe('sh -c ls | wc -l');
    expect(describeJob('frobnicate', {})).toBe('frobnicate');
  });
});

describe('event ids', () => {
  it('orders like Redis stream ids, not like strings', () => {
    expect(compareEventIds('999-5', '1000-0')).toBeLessThan(0);
    expect(compareEventIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareEventIds('1000-1', '1000-1')).toBe(0);
    expect(compareEventIds(eventIdAt(1000), '1000-0')).toBeLessThan(0);
    expect(compareEventIds(eventIdAt(1000), '999-99999')).toBeGreaterThan(0);
  });

  it('turns an entry it cannot read into a warning at the same id', () => {
    expect(readStoredEvent('5-0', '{"nope":true}')).toMatchObject({
      id: '5-0',
      level: 'warn',
      type: 'event.unreadable',
      data: { raw: '{"nope":true}' },
    });
    expect(readStoredEvent('6-0', 'not json').type).toBe('event.unreadable');
  });
});

describe('memory event stream', () => {
  it('delivers events published from inside a callback in order to every subscriber', async () => {
    const bus = new MemoryEventBus();
    const a: string[] = [];
    const b: string[] = [];
    let live = 0;
    bus.subscribe(
      'live',
      (e) => {
        a.push(e.message);
        if (e.message === 'one') bus.publishNow({ level: 'info', type: 't', source: alice, message: 'two' });
      },
      { onLive: () => live++ },
    );
    bus.subscribe('live', (e) => b.push(e.message), { onLive: () => live++ });
    await waitFor('live', () => live === 2);
    bus.publishNow({ level: 'info', type: 't', source: alice, message: 'one' });
    bus.publishNow({ level: 'info', type: 't', source: alice, message: 'three' });
    expect(a).toEqual(['one', 'two', 'three']);
    expect(b).toEqual(['one', 'two', 'three']);
  });

  it('keeps a capped log and tells a late subscriber what it missed', async () => {
    const bus = new MemoryEventBus(100);
    const first = bus.publishNow({ level: 'info', type: 't', source: alice, message: '0' });
    for (let i = 1; i < 300; i++)
      bus.publishNow({ level: 'info', type: 't', source: alice, message: String(i) });
    const got: DeckEvent[] = [];
    const notices: string[] = [];
    bus.subscribe(first, (e) => got.push(e), { onNotice: (n) => notices.push(n.kind) });
    await waitFor('replay', () => got.length > 0);
    expect(notices).toEqual(['trimmed']);
    expect(got.length).toBeLessThanOrEqual(200);
    expect(got.at(-1)?.message).toBe('299');
  });
});

describe('memory audit file', () => {
  it('appends one line per entry and reports a line it cannot read with file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infradeck-audit-'));
    try {
      const log = new MemoryAuditLog(dir);
      log.append({ who: alice, action: 'job.enqueue', jobId: '1', what: 'echo hi', outcome: 'accepted' });
      appendFileSync(join(dir, 'audit', 'audit.jsonl'), 'garbage\n');
      log.append({ who: alice, action: 'job.cancel', jobId: '1', what: 'echo hi', outcome: 'accepted' });
      const entries = await new MemoryAuditLog(dir).list();
      expect(entries.map((e) => e.action)).toEqual(['job.enqueue', 'unreadable', 'job.cancel']);
      expect(entries[1].reason).toBe(
        `${join(dir, 'audit', 'audit.jsonl')}:2: not an audit entry this version can read`,
      );
      expect((await log.list({ limit: 1 })).map((e) => e.action)).toEqual(['job.cancel']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('line splitting', () => {
  it('keeps multi-byte characters split across chunks, drops CR before LF, ends the last line', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 10);
    const bytes = Buffer.from('héllo\r\nwörld\nno newline', 'utf8');
    for (const byte of bytes) s.push(Buffer.from([byte]));
    s.end();
    expect(lines).toEqual(['héllo', 'wörld', 'no newline']);
  });

  it('cuts a long line and resumes at the next one', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 4);
    s.push(Buffer.from('abcdefgh'));
    s.push(Buffer.from('ij\nok\n'));
    expect(lines).toEqual(['abcd… [line cut: 6 more characters]', 'ok']);
  });
});

describe('a Redis that is not there', () => {
  it('opens degraded, says why, refuses work at once and closes cleanly', async () => {
    const port = await freePort();
    const bus = await openBus({
      redisUrl: `redis://127.0.0.1:${port}`,
      prefix: 'nowhere',
      requester: alice,
      downAfterMs: 300,
    });
    expect(bus.transport).toBe('redis');
    expect(bus.state.get().state).toBe('reconnecting');
    await waitFor('down', () => bus.state.get().state === 'down');
    expect(bus.state.get().detail).toBe(
      `redis://127.0.0.1:${port} refused the connection (is Redis running?)`,
    );
    const error = await bus.queue
      .enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice })
      .catch((e) => e);
    expect(isBusError(error, 'unavailable')).toBe(true);
    expect(error.message).toBe(
      `job not queued: Redis at redis://127.0.0.1:${port} is down (redis://127.0.0.1:${port} refused the connection (is Redis running?))`,
    );
    const invalid = await bus.queue
      .enqueue({ kind: 'command', payload: { program: '' }, requestedBy: alice })
      .catch((e) => e);
    expect(isBusError(invalid, 'invalid')).toBe(true);
    await expect(
      bus.events.publish({ level: 'info', type: 't', source: alice, message: 'x' }),
    ).rejects.toThrow('event not published');
    await bus.close();
  });

  it('a malformed REDIS_URL is refused when opening', async () => {
    await expect(openBus({ redisUrl: 'redis://host/notadb' })).rejects.toThrow(
      '"/notadb" is not a database number',
    );
    await expect(openBus({ redisUrl: 'redis://localhost', prefix: 'has space' })).rejects.toThrow(
      'bus prefix "has space" must be 1-64 letters',
    );
  });
});
