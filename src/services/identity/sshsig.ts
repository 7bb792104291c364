import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { ecdsaSignatureP1363, fingerprint, parsePublicKey } from './sshKeys';
import { SshReader, sshString, uint32 } from './sshWire';

/**
 * SSHSIG, the format of `ssh-keygen -Y sign` (OpenSSH's PROTOCOL.sshsig): an armored blob holding the public key,
 * the namespace, the hash algorithm and a signature over
 * `"SSHSIG" || string(namespace) || string(reserved) || string(hash_algorithm) || string(H(message))`.
 * Verifying it in-process costs a fraction of a millisecond; spawning `ssh-keygen` costs ~20 ms a job.
 */

const magic = Buffer.from('SSHSIG', 'latin1');
const armorBegin = '-----BEGIN SSH SIGNATURE-----';
const armorEnd = '-----END SSH SIGNATURE-----';

export interface ParsedSshsig {
  publicKey: Buffer;
  namespace: string;
  hashAlgorithm: string;
  /** The inner signature's algorithm (`ssh-ed25519`, `rsa-sha2-512`, `ecdsa-sha2-nistp256`…). */
  signatureType: string;
  signature: Buffer;
}

export function parseSshsig(armored: string): ParsedSshsig {
  const start = armored.indexOf(armorBegin);
  const end = armored.indexOf(armorEnd);
  if (start < 0 || end < start)
    throw new Error('not an SSH signature (no -----BEGIN SSH SIGNATURE----- block)');
  const blob = Buffer.from(armored.slice(start + armorBegin.length, end).replace(/\s+/g, ''), 'base64');
  if (!blob.subarray(0, 6).equals(magic)) throw new Error('not an SSH signature (no SSHSIG preamble)');
  const r = new SshReader(blob.subarray(6), 'SSH signature');
  const version = r.uint32('version');
  if (version !== 1) throw new Error(`SSH signature version ${version} is not supported`);
  const publicKey = r.string('public key');
  const namespace = r.text('namespace');
  r.string('reserved');
  const hashAlgorithm = r.text('hash algorithm');
  const inner = new SshReader(r.string('signature'), 'SSH signature');
  const signatureType = inner.text('signature type');
  const signature = inner.string('signature bytes');
  return { publicKey, namespace, hashAlgorithm, signatureType, signature };
}

function signedData(message: string | Buffer, namespace: string, hashAlgorithm: string): Buffer {
  const digest = createHash(hashAlgorithm).update(message).digest();
  return Buffer.concat([
    magic,
    sshString(namespace),
    sshString(''),
    sshString(hashAlgorithm),
    sshString(digest),
  ]);
}

export type SshsigCheck =
  | { ok: true; publicKey: Buffer; keyType: string; fingerprint: string }
  | { ok: false; reason: string; publicKey?: Buffer }
  /** A key type (FIDO `sk-*`) not verified here: ask `ssh-keygen -Y verify`. */
  | { ok: 'unsupported'; keyType: string; publicKey: Buffer };

/**
 * Whether `armored` is a valid signature of `message` in `namespace` by the key it names. Which keys may sign for
 * whom is the caller's question (allowed_signers).
 */
export function verifySshsig(message: string | Buffer, armored: string, namespace: string): SshsigCheck {
  let sig: ParsedSshsig;
  try {
    sig = parseSshsig(armored);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (sig.namespace !== namespace) {
    return {
      ok: false,
      reason: `signed for namespace "${sig.namespace}", not "${namespace}"`,
      publicKey: sig.publicKey,
    };
  }
  if (sig.hashAlgorithm !== 'sha512' && sig.hashAlgorithm !== 'sha256') {
    return {
      ok: false,
      reason: `hash algorithm "${sig.hashAlgorithm}" is not sha256 or sha512`,
      publicKey: sig.publicKey,
    };
  }
  let key: ReturnType<typeof parsePublicKey>;
  try {
    key = parsePublicKey(sig.publicKey);
  } catch (error) {
    return { ok: false, reason: (error as Error).message, publicKey: sig.publicKey };
  }
  if (!key) {
    const keyType = new SshReader(sig.publicKey, 'public key').text('key type');
    return { ok: 'unsupported', keyType, publicKey: sig.publicKey };
  }
  const data = signedData(message, namespace, sig.hashAlgorithm);
  let good = false;
  try {
    if (key.type === 'ssh-ed25519' && sig.signatureType === 'ssh-ed25519') {
      good = verify(null, data, key.key, sig.signature);
    } else if (key.type === 'ssh-rsa' && /^rsa-sha2-(256|512)$/.test(sig.signatureType)) {
      good = verify(sig.signatureType === 'rsa-sha2-256' ? 'sha256' : 'sha512', data, key.key, sig.signature);
    } else if (key.curve && sig.signatureType === key.type) {
      good = verify(
        key.curve.hash,
        data,
        { key: key.key, dsaEncoding: 'ieee-p1363' },
        ecdsaSignatureP1363(sig.signature, key.curve.size),
      );
    } else {
      return {
        ok: false,
        reason: `a ${sig.signatureType} signature by a ${key.type} key`,
        publicKey: sig.publicKey,
      };
    }
  } catch (error) {
    return {
      ok: false,
      reason: `malformed signature: ${(error as Error).message}`,
      publicKey: sig.publicKey,
    };
  }
  return good
    ? { ok: true, publicKey: sig.publicKey, keyType: key.type, fingerprint: fingerprint(sig.publicKey) }
    : {
        ok: false,
        reason: 'the signature does not match the request (changed after signing?)',
        publicKey: sig.publicKey,
      };
}

/** Sign with an ed25519 key in-process: byte for byte what `ssh-keygen -Y sign` writes (ed25519 is deterministic). */
export function signSshsigEd25519(
  message: string | Buffer,
  privateKey: KeyObject,
  publicBlob: Buffer,
  namespace: string,
): string {
  const signature = sign(null, signedData(message, namespace, 'sha512'), privateKey);
  const blob = Buffer.concat([
    magic,
    uint32(1),
    sshString(publicBlob),
    sshString(namespace),
    sshString(''),
    sshString('sha512'),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(signature)])),
  ]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `${armorBegin}\n${lines.join('\n')}\n${armorEnd}\n`;
}
