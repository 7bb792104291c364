import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureWindowMs, signedMessage } from '../../src/domain/signature';
import { sshKeygenSign } from '../../src/services/identity/requestSigner';
import { ed25519PrivateKey } from '../../src/services/identity/sshKeys';
import { signSshsigEd25519 } from '../../src/services/identity/sshsig';
import {
  checkSignature,
  memoryNonceStore,
  type SignaturePolicy,
  signaturePolicy,
  sshKeygenVerify,
  verifyRequest,
} from '../../src/services/identity/verifyRequest';
import { makeKey, sshKeygenSignSync, type TestKey, writeAllowedSigners } from './signingKeys';

describe('request signatures: in-process verification agrees with ssh-keygen -Y verify', () => {
  let dir: string;
  let allowed: string;
  const keys: Record<string, TestKey> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-signing-'));
    keys.alice = makeKey(dir, 'alice');
    keys.aliceEcdsa = makeKey(dir, 'alice-ecdsa', 'ecdsa');
    keys.aliceRsa = makeKey(dir, 'alice-rsa', 'rsa');
    keys.mallory = makeKey(dir, 'mallory');
    allowed = writeAllowedSigners(dir, [
      ['alice', keys.alice],
      ['alice', keys.aliceEcdsa],
      ['alice', keys.aliceRsa],
      ['bob,carol', keys.mallory],
    ]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const message = signedMessage({
    kind: 'command',
    payload: { program: 'make', args: ['deploy'] },
    requestedBy: { user: 'alice', host: 'jump1' },
    at: 1_700_000_000_000,
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  });
  const sigOf = (armored: string, principal = 'alice') => ({
    principal,
    at: 1_700_000_000_000,
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
    sig: armored,
  });

  for (const name of ['alice', 'aliceEcdsa', 'aliceRsa'] as const) {
    it(`${name}: valid, tampered and wrong-principal give the same answer both ways`, async () => {
      const armored = sshKeygenSignSync(keys[name], message);
      const cases: Array<[string, string, boolean]> = [
        [message, 'alice', true],
        [message.replace('deploy', 'destroy'), 'alice', false],
        [message, 'bob', false],
      ];
      for (const [text, principal, expected] of cases) {
        const ours = await checkSignature(text, sigOf(armored, principal), allowed);
        const reference = await sshKeygenVerify(allowed, principal, text, armored);
        expect({ principal, ours: ours.ok, reference: reference.ok }).toEqual({
          principal,
          ours: expected,
          reference: expected,
        });
      }
    });
  }

  it('a key not in allowed_signers for the principal is refused both ways', async () => {
    const armored = sshKeygenSignSync(keys.mallory, message);
    const ours = await checkSignature(message, sigOf(armored), allowed);
    expect(ours).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is not in .*allowed_signers for "alice"/),
    });
    expect((await sshKeygenVerify(allowed, 'alice', message, armored)).ok).toBe(false);
    // The same key is allowed for bob: the line's principals count, not the key alone.
    expect((await checkSignature(message, sigOf(armored, 'bob'), allowed)).ok).toBe(true);
    expect((await sshKeygenVerify(allowed, 'bob', message, armored)).ok).toBe(true);
  });

  it('a signature for another namespace (git) is refused both ways', async () => {
    const { execFileSync } = await import('node:child_process');
    const armored = execFileSync('ssh-keygen', ['-Y', 'sign', '-n', 'git', '-f', keys.alice.file], {
      input: message,
      stdio: ['pipe', 'pipe', 'ignore'],
    }).toString();
    expect((await checkSignature(message, sigOf(armored), allowed)).ok).toBe(false);
    expect((await sshKeygenVerify(allowed, 'alice', message, armored)).ok).toBe(false);
  });

  it('signs an ed25519 request in-process byte for byte as ssh-keygen -Y sign does', async () => {
    const key = ed25519PrivateKey(readFileSync(keys.alice.file, 'utf8'));
    expect(key).toBeDefined();
    const ours = signSshsigEd25519(message, key!.key, key!.publicBlob, 'infradeck');
    expect(ours.trim()).toBe((await sshKeygenSign(keys.alice.file, message, {})).trim());
  });
});

describe('verifyRequest: what a worker accepts', () => {
  let dir: string;
  let policy: SignaturePolicy;
  let alice: TestKey;
  const who = { user: 'alice', host: 'jump1' };
  const now = Date.now();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-signing-'));
    alice = makeKey(dir, 'alice');
    policy = {
      requireSignatures: false,
      allowedSigners: writeAllowedSigners(dir, [['alice', alice]]),
      windowMs: signatureWindowMs,
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function signedJob(id: string, at: number, nonce: string, createdAt = at) {
    const payload = { program: 'true', args: [] };
    const sig = sshKeygenSignSync(
      alice,
      signedMessage({ kind: 'command', payload, requestedBy: who, at, nonce }),
    );
    return {
      id,
      kind: 'command',
      payload,
      requestedBy: who,
      request: { createdAt, signature: { principal: 'alice', at, nonce, sig } },
    };
  }

  it('accepts a fresh signed request and its retries, refuses a second job with its nonce', async () => {
    const nonces = memoryNonceStore();
    const job = signedJob('1', now, 'nonce-one-0123456789');
    expect(await verifyRequest(job, nonces, policy, now)).toBeUndefined();
    expect(await verifyRequest(job, nonces, policy, now + 60_000)).toBeUndefined();
    expect(await verifyRequest({ ...job, id: '2' }, nonces, policy, now)).toMatch(
      /^refused: request signature: its nonce was already used by job 1 \(a replayed request\)/,
    );
  });

  it('refuses a request queued long after it was signed (a replay), whatever its nonce', async () => {
    const old = now - 20 * 60_000;
    const job = signedJob('3', old, 'nonce-two-0123456789', now);
    expect(await verifyRequest(job, memoryNonceStore(), policy, now)).toMatch(
      /more than 5 min apart \(a replayed request\)/,
    );
  });

  it('unsigned: accepted unless signatures are required; a changed payload is refused either way', async () => {
    const unsigned = {
      id: '4',
      kind: 'command',
      payload: { program: 'true', args: [] },
      requestedBy: who,
      request: { createdAt: now },
    };
    expect(await verifyRequest(unsigned, memoryNonceStore(), policy, now)).toBeUndefined();
    expect(
      await verifyRequest(unsigned, memoryNonceStore(), { ...policy, requireSignatures: true }, now),
    ).toMatch(/unsigned, and this worker requires signed requests/);
    const job = signedJob('5', now, 'nonce-three-012345678');
    const tampered = { ...job, payload: { program: 'rm', args: ['-rf', '/srv'] } };
    expect(await verifyRequest(tampered, memoryNonceStore(), policy, now)).toMatch(
      /does not match the request/,
    );
    const otherUser = { ...job, requestedBy: { user: 'bob', host: 'jump1' } };
    expect(await verifyRequest(otherUser, memoryNonceStore(), policy, now)).toMatch(
      /signed for "alice" but asked as "bob"/,
    );
  });

  it('children and schedule ticks carry no signature: without requireSignatures nothing is asked of them', async () => {
    const child = {
      id: '6',
      kind: 'command',
      payload: {},
      requestedBy: who,
      request: { createdAt: now, derived: 'child' as const, parentId: '7', childKey: 'x' },
    };
    expect(await verifyRequest(child, memoryNonceStore(), policy, now)).toBeUndefined();
    const tick = { ...child, request: { createdAt: now, derived: 'schedule' as const } };
    expect(await verifyRequest(tick, memoryNonceStore(), policy, now)).toBeUndefined();
  });
});

describe('signaturePolicy: where requireSignatures comes from', () => {
  const identity = { dataDir: '/w', access: { requireSignatures: false }, env: {} };
  const accessYaml = (requireSignatures: boolean) => ({
    kind: 'policy' as const,
    file: '/w/access.yaml',
    policy: { users: {}, groups: {}, projects: {}, protected: [], approve: [], requireSignatures },
  });

  it('the config file or the team’s access.yaml may require signed requests', () => {
    expect(signaturePolicy(identity, { kind: 'none', file: '/w/access.yaml' }).requireSignatures).toBe(false);
    expect(signaturePolicy(identity, accessYaml(false) as never).requireSignatures).toBe(false);
    expect(signaturePolicy(identity, accessYaml(true) as never).requireSignatures).toBe(true);
    const config = { ...identity, access: { requireSignatures: true } };
    expect(signaturePolicy(config, { kind: 'none', file: '/w/access.yaml' }).requireSignatures).toBe(true);
  });
});
