import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { base64url, SshReader, unsignedFixed } from './sshWire';

const curves: Record<string, { crv: string; size: number; hash: string }> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

/** A public key in SSH wire format, as Node's crypto can verify with it. */
export interface SshPublicKey {
  type: string;
  blob: Buffer;
  key: KeyObject;
  /** ECDSA: coordinate size and hash of the curve. */
  curve?: { size: number; hash: string };
}

/** Key types this module verifies in-process; others (FIDO `sk-*`) go to `ssh-keygen -Y verify`. */
export function isInProcessKeyType(type: string): boolean {
  return type === 'ssh-ed25519' || type === 'ssh-rsa' || type.startsWith('ecdsa-sha2-nistp');
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parse a public key blob; undefined for a type not verified in-process. Throws on a malformed blob. */
export function parsePublicKey(blob: Buffer): SshPublicKey | undefined {
  const r = new SshReader(blob, 'public key');
  const type = r.text('key type');
  if (type === 'ssh-ed25519') {
    const x = r.string('ed25519 key');
    if (x.length !== 32) throw new Error('public key: an ed25519 key is not 32 bytes');
    return {
      type,
      blob,
      key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(x) }, format: 'jwk' }),
    };
  }
  if (type === 'ssh-rsa') {
    const e = r.string('rsa exponent');
    const n = r.string('rsa modulus');
    const strip = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b);
    return {
      type,
      blob,
      key: createPublicKey({
        key: { kty: 'RSA', n: base64url(strip(n)), e: base64url(strip(e)) },
        format: 'jwk',
      }),
    };
  }
  const curveName = /^ecdsa-sha2-(nistp\d+)$/.exec(type)?.[1];
  const curve = curveName ? curves[curveName] : undefined;
  if (curve) {
    r.text('curve name');
    const point = r.string('ec point');
    if (point[0] !== 4 || point.length !== 1 + 2 * curve.size)
      throw new Error('public key: not an uncompressed point');
    const x = point.subarray(1, 1 + curve.size);
    const y = point.subarray(1 + curve.size);
    return {
      type,
      blob,
      curve,
      key: createPublicKey({
        key: { kty: 'EC', crv: curve.crv, x: base64url(x), y: base64url(y) },
        format: 'jwk',
      }),
    };
  }
  return undefined;
}

/** `ssh-ed25519 AAAA… comment` → the blob; undefined when the text is not a public key line. */
export function publicKeyBlobOf(line: string): { type: string; blob: Buffer } | undefined {
  const [type, data] = line.trim().split(/\s+/);
  if (!type || !data || !/^(ssh-|ecdsa-|sk-)/.test(type)) return undefined;
  const blob = Buffer.from(data, 'base64');
  try {
    if (new SshReader(blob, 'public key').text('key type') !== type) return undefined;
  } catch {
    return undefined;
  }
  return { type, blob };
}

/** ECDSA signatures are two mpints; Node wants r||s at the curve's size (IEEE P1363). */
export function ecdsaSignatureP1363(sig: Buffer, size: number): Buffer {
  const r = new SshReader(sig, 'ecdsa signature');
  return Buffer.concat([unsignedFixed(r.string('r'), size), unsignedFixed(r.string('s'), size)]);
}

/**
 * An unencrypted ed25519 key in OpenSSH's private key format (`-----BEGIN OPENSSH PRIVATE KEY-----`), ready to
 * sign in-process; undefined for anything else (encrypted, another type), which `ssh-keygen` signs instead.
 */
export function ed25519PrivateKey(text: string): { key: KeyObject; publicBlob: Buffer } | undefined {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(
    text,
  )?.[1];
  if (!body) return undefined;
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = Buffer.from('openssh-key-v1\0', 'latin1');
  if (!bytes.subarray(0, magic.length).equals(magic)) return undefined;
  const r = new SshReader(bytes.subarray(magic.length), 'private key');
  if (r.text('cipher') !== 'none') return undefined;
  r.string('kdf');
  r.string('kdf options');
  if (r.uint32('key count') !== 1) return undefined;
  const publicBlob = r.string('public key');
  const p = new SshReader(r.string('private section'), 'private key');
  // Two equal random words: a wrong passphrase would make them differ (here: a file that is not what it says).
  const check = p.uint32('check');
  if (p.uint32('check') !== check) return undefined;
  if (p.text('key type') !== 'ssh-ed25519') return undefined;
  const pub = p.string('ed25519 public');
  const secret = p.string('ed25519 secret');
  if (pub.length !== 32 || secret.length !== 64) return undefined;
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: base64url(secret.subarray(0, 32)), x: base64url(pub) },
    format: 'jwk',
  });
  return { key, publicBlob };
}
