import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A key made with `ssh-keygen` for a test user, and its `allowed_signers` line. */
export interface TestKey {
  file: string;
  publicLine: string;
}

export function makeKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): TestKey {
  const file = join(dir, name);
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    name,
    '-f',
    file,
  ]);
  return { file, publicLine: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** `<dataDir>/allowed_signers` giving each principal its key. */
export function writeAllowedSigners(
  dataDir: string,
  entries: Array<[principal: string, key: TestKey]>,
): string {
  const file = join(dataDir, 'allowed_signers');
  writeFileSync(file, `${entries.map(([who, key]) => `${who} ${key.publicLine}`).join('\n')}\n`);
  return file;
}

/** What `ssh-keygen -Y sign -n infradeck` writes for `message` with `key`. */
export function sshKeygenSignSync(key: TestKey, message: string): string {
  return execFileSync('ssh-keygen', ['-Y', 'sign', '-n', 'infradeck', '-f', key.file], {
    input: message,
    stdio: ['pipe', 'pipe', 'ignore'],
  }).toString();
}
