import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import { serverRows } from '../../src/services/servers/serverRows';
import { findKeyFile, sshArgv } from '../../src/services/servers/sshArgv';

const instance = (extra: Partial<Resource> = {}, raw: Record<string, unknown> = {}): Resource => ({
  type: 'instance',
  id: 'i-0abc',
  name: 'web-1',
  region: 'eu-west-1',
  state: 'running',
  detail: 't3.small 10.1.2.3',
  tags: {},
  refs: { keyPair: 'web-deploy' },
  raw: { PrivateIpAddress: '10.1.2.3', PublicIpAddress: '3.4.5.6', ...raw },
  ...extra,
});

function hasSsh(): boolean {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What OpenSSH itself makes of an argument array (`ssh -G` prints the settings and connects to nothing). */
function sshReads(argv: string[]): Record<string, string> {
  const [, ...args] = argv;
  const out = execFileSync('ssh', ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const seen: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const [key, ...value] = line.split(' ');
    if (['user', 'hostname', 'port', 'proxycommand'].includes(key)) seen[key] = value.join(' ');
    if (key === 'identityfile') seen.identityfile ??= value.join(' ');
  }
  return seen;
}

describe('the ssh command of a server', () => {
  it('for a servers.yaml host: port, user and key as separate arguments', () => {
    const plan = sshArgv({
      kind: 'host',
      host: {
        name: 'db',
        host: 'db.example',
        port: 2222,
        user: 'ops',
        identityFile: '/keys/db key.pem',
        tags: {},
      },
    });
    expect(plan).toEqual({
      ok: true,
      argv: ['ssh', '-p', '2222', '-l', 'ops', '-i', '/keys/db key.pem', '--', 'db.example'],
      host: 'db.example',
      port: 2222,
      user: 'ops',
      hints: [],
    });
  });

  it('for an instance: its public IP, the ssh-user tag or ec2-user, and a hint about its key pair', () => {
    const plan = sshArgv({ kind: 'ec2', instance: instance() });
    expect(plan).toMatchObject({ ok: true, argv: ['ssh', '-p', '22', '-l', 'ec2-user', '--', '3.4.5.6'] });
    expect(plan.ok && plan.hints).toEqual([
      'i-0abc was launched with key pair "web-deploy": no ~/.ssh/web-deploy.pem here, so ssh offers your agent\'s and ~/.ssh/config\'s keys',
    ]);
    const tagged = sshArgv({
      kind: 'ec2',
      instance: instance({ tags: { 'infradeck:ssh-user': 'ubuntu', 'infradeck:ssh-port': '2200' } }),
      identityFile: '/home/op/.ssh/web-deploy.pem',
    });
    expect(tagged).toMatchObject({
      ok: true,
      argv: ['ssh', '-p', '2200', '-l', 'ubuntu', '-i', '/home/op/.ssh/web-deploy.pem', '--', '3.4.5.6'],
      hints: [],
    });
  });

  it('falls back to the private IP and says what that needs; a stopped one without IP cannot be reached', () => {
    const priv = sshArgv({ kind: 'ec2', instance: instance({}, { PublicIpAddress: undefined }) });
    expect(priv).toMatchObject({ ok: true, host: '10.1.2.3' });
    expect(priv.ok && priv.hints[0]).toMatch(/only a private IP \(10\.1\.2\.3\).*bastion/);
    expect(
      sshArgv({
        kind: 'ec2',
        instance: instance({ state: 'stopped' }, { PublicIpAddress: undefined, PrivateIpAddress: undefined }),
      }),
    ).toEqual({ ok: false, error: 'cannot ssh to i-0abc: it is stopped' });
  });

  it('refuses values from tags that are not a user or a port: tags are written by anyone', () => {
    expect(
      sshArgv({
        kind: 'ec2',
        instance: instance({ tags: { 'infradeck:ssh-user': '-oProxyCommand=touch /tmp/x' } }),
      }),
    ).toEqual({
      ok: false,
      error: 'i-0abc: the infradeck:ssh-user tag "-oProxyCommand=touch /tmp/x" is not a user name',
    });
    expect(
      sshArgv({ kind: 'ec2', instance: instance({ tags: { 'infradeck:ssh-port': '22; reboot' } }) }),
    ).toMatchObject({
      ok: false,
    });
    expect(sshArgv({ kind: 'ec2', instance: instance({ type: 'vpc' }) })).toEqual({
      ok: false,
      error: 'i-0abc is a vpc, not an instance',
    });
  });

  it.skipIf(!hasSsh())('means to OpenSSH exactly what it says', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infradeck-key-'));
    const key = join(dir, 'k.pem');
    await writeFile(key, 'key', { mode: 0o600 });
    try {
      const plan = sshArgv({
        kind: 'host',
        host: { name: 'x', host: '127.0.0.1', port: 2222, user: 'bob', identityFile: key, tags: {} },
      });
      if (!plan.ok) throw new Error(plan.error);
      expect(sshReads(plan.argv)).toEqual({
        user: 'bob',
        hostname: '127.0.0.1',
        port: '2222',
        identityfile: key,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('key files and the servers list', () => {
  let home: string;
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('finds a key pair where people keep them, and lists hosts then instances with their ssh command', async () => {
    home = await mkdtemp(join(tmpdir(), 'infradeck-home-'));
    await mkdir(join(home, '.ssh'));
    await writeFile(join(home, '.ssh', 'web-deploy.pem'), 'key', { mode: 0o600 });
    const key = await findKeyFile('web-deploy', { HOME: home });
    expect(key).toBe(join(home, '.ssh', 'web-deploy.pem'));
    expect(await findKeyFile('other', { HOME: home })).toBeUndefined();
    expect(await findKeyFile('../../etc/passwd', { HOME: home })).toBeUndefined();

    const rows = serverRows(
      [{ name: 'bastion', host: '192.0.2.10', port: 22, user: 'ops', tags: {} }],
      [
        instance(),
        instance({ id: 'i-0def', name: 'api-1', state: 'terminated' }),
        instance({ id: 'i-0fed', name: 'api-2', state: 'stopped' }, { PublicIpAddress: undefined }),
      ],
      { keyFiles: new Map([['web-deploy', key!]]) },
    );
    expect(rows.map((r) => [r.key, r.name, r.host, r.state])).toEqual([
      ['host:bastion', 'bastion', '192.0.2.10', undefined],
      ['ec2:eu-west-1/i-0fed', 'api-2', '10.1.2.3', 'stopped'],
      ['ec2:eu-west-1/i-0abc', 'web-1', '3.4.5.6', 'running'],
    ]);
    expect(rows[2].ssh.ok && rows[2].ssh.argv).toEqual([
      'ssh',
      '-p',
      '22',
      '-l',
      'ec2-user',
      '-i',
      key,
      '--',
      '3.4.5.6',
    ]);
  });
});
