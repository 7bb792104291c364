import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../bus/contractSuite';
import { cliPath } from '../harness/cliProcess';
import { makeKey, type TestKey, writeAllowedSigners } from './signingKeys';

/** `infradeck whoami` of the built CLI; the user is played with `USER` and `INFRADECK_SIGNING_KEY` (test-only). */
describe('infradeck whoami', () => {
  let dir: string;
  let dataDir: string;
  let alice: TestKey;
  let mallory: TestKey;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-whoami-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    alice = makeKey(dir, 'alice');
    mallory = makeKey(dir, 'mallory');
    writeAllowedSigners(dataDir, [['alice', alice]]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function whoami(args: string[], env: NodeJS.ProcessEnv) {
    const r = spawnSync(process.execPath, [cliPath, '--data', dataDir, 'whoami', ...args], {
      env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), ...env },
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('says who asks, that nothing is signed, and that without access.yaml everyone is admin', () => {
    const r = whoami([], { USER: 'carol', SSH_CLIENT: '10.0.0.5 51234 22' });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^user: +carol$/m);
    expect(r.out).toMatch(/^ssh: +10\.0\.0\.5 51234 22$/m);
    expect(r.out).toMatch(/^role: +\(no access\.yaml: everyone is admin\)$/m);
    expect(r.out).toMatch(/^signing: +off: requests are not signed/m);
    expect(r.out).toMatch(/^agent: +no ssh-agent/m);
  });

  it('--json: a key allowed for the user signs in-process and its test signature verifies', () => {
    const r = whoami(['--json'], { USER: 'alice', INFRADECK_SIGNING_KEY: alice.file });
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      user: 'alice',
      role: null,
      roleNote: '(no access.yaml: everyone is admin)',
      signing: { key: alice.file, how: 'in-process', agent: false },
      verification: {
        allowedSigners: join(dataDir, 'allowed_signers'),
        allowedSignersFound: true,
        verified: true,
      },
      requireSignatures: false,
    });
    expect(Array.isArray(report.groups)).toBe(true);
    expect(report.verification.detail).toMatch(/^SHA256:\S+ is allowed for "alice" by \S+allowed_signers:1/);
  });

  it('exits 1 when the key signs but allowed_signers does not give it to the user', () => {
    const r = whoami([], { USER: 'alice', INFRADECK_SIGNING_KEY: mallory.file });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^verified: +FAILS: key SHA256:\S+ is not in \S+allowed_signers for "alice"/m);
  });

  it('with a public key as the signing key, signs through ssh-agent (as git does)', async () => {
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await waitFor('ssh-agent listening', () => existsSync(sock), 5_000);
      execFileSync('ssh-add', ['-q', alice.file], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const r = whoami(['--json'], {
        USER: 'alice',
        INFRADECK_SIGNING_KEY: `${alice.file}.pub`,
        SSH_AUTH_SOCK: sock,
      });
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({
        signing: { how: 'ssh-agent', agent: true },
        verification: { verified: true },
      });
      const without = whoami([], { USER: 'alice', INFRADECK_SIGNING_KEY: `${alice.file}.pub` });
      expect(without.code).toBe(1);
      expect(without.out).toMatch(
        /is a public key: its private half must be in ssh-agent, and SSH_AUTH_SOCK is not set/,
      );
    } finally {
      agent.kill();
    }
  });
});
