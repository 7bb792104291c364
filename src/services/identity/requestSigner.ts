import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Requester } from '../../domain/job';
import { type RequestSignature, signatureNamespace, signedMessage } from '../../domain/signature';
import { BusError } from '../bus/busError';
import { ed25519PrivateKey, publicKeyBlobOf } from './sshKeys';
import { signSshsigEd25519 } from './sshsig';
import { signingKeyPath, type WorkspaceIdentity, workspaceIdentity } from './workspaceIdentity';

/** Signs request messages for this user; `how` says with what, for `infradeck whoami`. */
export interface RequestSigner {
  keyFile: string;
  how: 'in-process' | 'ssh-keygen' | 'ssh-agent';
  sign(message: string): Promise<string>;
}

const signers = new Map<string, Promise<RequestSigner>>();

/**
 * The signer of this process's requests, or undefined when no key is configured. An unencrypted ed25519 key file
 * signs in-process (what `ssh-keygen -Y sign` would write, without its ~20 ms spawn per job); a public key signs
 * through ssh-agent and any other key (encrypted, RSA, ECDSA, FIDO) through `ssh-keygen -Y sign`, as git does.
 */
export function requestSigner(
  identity: WorkspaceIdentity = workspaceIdentity(),
): Promise<RequestSigner> | undefined {
  const keyFile = signingKeyPath(identity);
  if (!keyFile) return undefined;
  let signer = signers.get(keyFile);
  if (!signer) {
    signer = loadSigner(keyFile, identity.env);
    signers.set(keyFile, signer);
    // A key that could not be read is read again next time (the user may fix it while the console runs).
    signer.catch(() => signers.delete(keyFile));
  }
  return signer;
}

async function loadSigner(keyFile: string, env: NodeJS.ProcessEnv): Promise<RequestSigner> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    throw new Error(
      `signing key ${keyFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (publicKeyBlobOf(text)) {
    if (!env.SSH_AUTH_SOCK) {
      throw new Error(
        `signing key ${keyFile} is a public key: its private half must be in ssh-agent, and SSH_AUTH_SOCK is not set`,
      );
    }
    return { keyFile, how: 'ssh-agent', sign: (message) => sshKeygenSign(keyFile, message, env) };
  }
  const ed25519 = ed25519PrivateKey(text);
  if (ed25519) {
    return {
      keyFile,
      how: 'in-process',
      sign: async (message) =>
        signSshsigEd25519(message, ed25519.key, ed25519.publicBlob, signatureNamespace),
    };
  }
  return { keyFile, how: 'ssh-keygen', sign: (message) => sshKeygenSign(keyFile, message, env) };
}

/** `ssh-keygen -Y sign -n infradeck -f KEY` on the message (stdin), the armored signature on stdout. */
export function sshKeygenSign(keyFile: string, message: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', ['-Y', 'sign', '-n', signatureNamespace, '-f', keyFile], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (error) => reject(new Error(`ssh-keygen: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0 && out.includes('BEGIN SSH SIGNATURE')) resolve(out);
      else {
        const why = err.replace('Signing data on standard input\n', '').trim() || `exited with code ${code}`;
        reject(new Error(`ssh-keygen -Y sign -f ${keyFile}: ${why}`));
      }
    });
    child.stdin.end(message);
  });
}

interface SignableSpec {
  kind: string;
  payload: unknown;
  requestedBy: Requester;
  idempotencyKey?: string;
  signature?: RequestSignature;
}

/**
 * The spec with its signature, when this process has a signing key (a spec signed already is kept as it is).
 * Called at enqueue on the checked spec, so the payload signed is the one stored. A key that cannot sign refuses
 * the request: with a key configured, the user asked for signed requests.
 */
export async function signSpec<T extends SignableSpec>(spec: T): Promise<T> {
  if (spec.signature) return spec;
  const pending = requestSigner();
  if (!pending) return spec;
  const at = Date.now();
  const nonce = randomBytes(16).toString('base64url');
  try {
    const signer = await pending;
    const message = signedMessage({
      kind: spec.kind,
      payload: spec.payload,
      requestedBy: spec.requestedBy,
      idempotencyKey: spec.idempotencyKey,
      at,
      nonce,
    });
    const sig = await signer.sign(message);
    return { ...spec, signature: { principal: spec.requestedBy.user, at, nonce, sig } };
  } catch (error) {
    throw new BusError(
      'refused',
      `refused: request not signed, nothing was queued: ${(error as Error).message}`,
    );
  }
}
