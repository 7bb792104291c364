import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsCommand } from '../../src/commands/jobs';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { parseRedisUrl } from '../../src/services/bus/redisUrl';
import { jobHandlers } from '../../src/worker/jobHandlers';
import { alice, record, waitFor, waitForStatus } from './contractSuite';
import { freePort, portOpen, skipRedis } from './redisTestEnv';

describe('REDIS_URL', () => {
  it('reads redis:// and rediss:// with an ACL user, a URL-encoded password and a database', () => {
    const plain = parseRedisUrl('redis://cache.internal');
    expect(plain.options).toEqual({ host: 'cache.internal', port: 6379, db: 0 });
    expect(plain.display).toBe('redis://cache.internal:6379');
    const tls = parseRedisUrl('rediss://deploy:p%40ss%3Aw%2Frd@cache.internal:6380/2');
    expect(tls.options).toEqual({
      host: 'cache.internal',
      port: 6380,
      db: 2,
      username: 'deploy',
      password: 'p@ss:w/rd',
      tls: { servername: 'cache.internal' },
    });
    expect(tls.display).toBe('rediss://deploy@cache.internal:6380/2');
    expect(parseRedisUrl('redis://:only-password@[::1]:7000').options).toMatchObject({
      host: '::1',
      password: 'only-password',
    });
  });

  it('refuses what it cannot use, without echoing the password', () => {
    expect(() => parseRedisUrl('cache:6379')).toThrow('REDIS_URL: scheme "cache" is not supported');
    expect(() => parseRedisUrl('not a url')).toThrow('REDIS_URL is not a URL');
    expect(() => parseRedisUrl('redis://u:secret@host/abc')).toThrow(
      'REDIS_URL: "/abc" is not a database number',
    );
    try {
      parseRedisUrl('redis://u:secret@host/abc');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

describe.skipIf(skipRedis)('Redis access: TLS, ACL users, key prefix', () => {
  const servers: ChildProcess[] = [];
  const buses: Bus[] = [];
  let dir: string;

  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
    for (const s of servers.splice(0)) {
      const exited = new Promise((r) => s.once('exit', r));
      s.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function server(args: string[], port: number): Promise<void> {
    const s = spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
      stdio: 'ignore',
    });
    servers.push(s);
    await waitFor(`redis-server on ${port}`, () => portOpen(port), 10_000);
  }

  async function open(opts: Parameters<typeof openBus>[0]): Promise<Bus> {
    const bus = await openBus({ requester: alice, downAfterMs: 500, ...opts });
    buses.push(bus);
    return bus;
  }

  /** A job end to end: enqueue, run, events, logs, cancel, audit, presence. */
  async function exercise(bus: Bus) {
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const rec = record(bus);
    const consumer = bus.consume(jobHandlers, { heartbeatMs: 200 });
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'echo', args: ['over the wire'] },
      requestedBy: alice,
    });
    await waitForStatus(bus, id, 'completed');
    expect((await bus.queue.logs(id)).map((l) => l.text)).toEqual(['over the wire']);
    await waitFor('completed event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
    const slow = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'sleep', args: ['30'] },
      requestedBy: alice,
    });
    await waitForStatus(bus, slow, 'active');
    await bus.queue.cancel(slow);
    await waitForStatus(bus, slow, 'cancelled');
    expect((await bus.workers()).map((w) => w.id)).toEqual([consumer.id]);
    expect((await bus.audit.list()).length).toBeGreaterThanOrEqual(4);
    expect(await bus.queue.counts()).toMatchObject({ completed: 1, cancelled: 1 });
    rec.stop();
  }

  it('works over rediss:// with a private CA, and says why without it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=infradeck test CA',
    );
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    );
    writeFileSync(join(dir, 'ext'), 'subjectAltName=DNS:localhost\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '1',
      '-extfile',
      'ext',
    );
    const port = await freePort();
    await server(
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(dir, 'server.crt'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.crt'),
        '--tls-auth-clients',
        'no',
      ],
      port,
    );
    await exercise(
      await open({ redisUrl: `rediss://localhost:${port}`, redisCaFile: join(dir, 'ca.crt'), prefix: 'tls' }),
    );
    // the commands take the CA from INFRADECK_REDIS_CA
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    const env = {
      REDIS_URL: `rediss://localhost:${port}`,
      INFRADECK_REDIS_PREFIX: 'tls',
      INFRADECK_REDIS_CA: join(dir, 'ca.crt'),
    };
    expect(await jobsCommand(['--status', 'completed'], { stdout: sink, stderr: sink, env })).toBe(0);
    expect(out).toMatch(/^1\s+command\s+completed/m);

    const untrusted = await open({ redisUrl: `rediss://localhost:${port}`, prefix: 'tls' });
    // A worker too: BullMQ's own blocking connection meets the same refused handshake, and must not crash it.
    const refusedWorker = untrusted.consume(jobHandlers);
    expect(await untrusted.state.whenConnected(1500)).toBe(false);
    await waitFor('the reason', () => /certificate/i.test(untrusted.state.get().detail ?? ''));
    const refused = await untrusted.queue
      .enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice })
      .catch((e) => e);
    expect(refused.message).toMatch(
      new RegExp(
        `job not queued: Redis at rediss://localhost:${port} is (reconnecting|down) \\(.*certificate`,
        'i',
      ),
    );
    // It stops at once: nothing runs, and Redis cannot answer (BullMQ's own close would wait for ever).
    const closing = Date.now();
    await refusedWorker.close();
    expect(Date.now() - closing).toBeLessThan(3_000);
  });

  it('an ACL user allowed only keys and channels under the prefix can do everything', async () => {
    const port = await freePort();
    await server(['--port', String(port)], port);
    const admin = new Redis(port, '127.0.0.1');
    await admin.call(
      'ACL',
      'SETUSER',
      'deck',
      'on',
      '>p@ss:w/rd',
      'resetkeys',
      '~acme:*',
      'resetchannels',
      '&acme:*',
      '+@all',
    );
    await admin.call('ACL', 'SETUSER', 'default', 'off');
    admin.disconnect();
    const url = `redis://deck:${encodeURIComponent('p@ss:w/rd')}@127.0.0.1:${port}`;
    // Any key or channel outside `acme:` would be refused with NOPERM and the job would not complete.
    await exercise(await open({ redisUrl: url, prefix: 'acme' }));

    const wrong = await open({ redisUrl: `redis://deck:nope@127.0.0.1:${port}`, prefix: 'acme' });
    expect(await wrong.state.whenConnected(1000)).toBe(false);
    await waitFor(
      'the reason',
      () => wrong.state.get().detail === `redis://deck@127.0.0.1:${port} rejected the user name or password`,
    );
  });
});
