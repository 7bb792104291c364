import { readFile, stat } from 'node:fs/promises';

/**
 * git's and `ssh-keygen -Y verify`'s `allowed_signers` (see ALLOWED SIGNERS in `man ssh-keygen`):
 * `principals [options] keytype base64key [comment]`, e.g. `alice,alice@corp namespaces="infradeck" ssh-ed25519 AAAA…`.
 */
export interface AllowedSigner {
  /** Where it is written, for messages: `allowed_signers:3`. */
  line: number;
  principals: string;
  keyType: string;
  key: Buffer;
  namespaces?: string;
  validAfter?: number;
  validBefore?: number;
  certAuthority: boolean;
}

export interface AllowedSigners {
  file: string;
  signers: AllowedSigner[];
  /** Lines that could not be read, `file:line: why` (they allow nobody). */
  problems: string[];
}

/** Split on spaces outside double quotes. */
function fields(text: string): string[] {
  return text.match(/(?:"[^"]*"|[^\s"])+/g) ?? [];
}

const keyTypePattern = /^(ssh-|ecdsa-|sk-)/;

export function parseAllowedSigners(file: string, text: string): AllowedSigners {
  const signers: AllowedSigner[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = fields(line);
    const principals = unquote(parts[0] ?? '');
    let at = 1;
    let options: string | undefined;
    if (parts[at] && !keyTypePattern.test(parts[at])) options = parts[at++];
    const keyType = parts[at];
    const data = parts[at + 1];
    if (!principals || !keyType || !data || !keyTypePattern.test(keyType)) {
      problems.push(`${file}:${i + 1}: expected "principals [options] keytype base64key"`);
      return;
    }
    const signer: AllowedSigner = {
      line: i + 1,
      principals,
      keyType,
      key: Buffer.from(data, 'base64'),
      certAuthority: false,
    };
    for (const option of options ? splitOptions(options) : []) {
      const [name, ...value] = option.split('=');
      const v = unquote(value.join('='));
      const lower = name.toLowerCase();
      if (lower === 'cert-authority') signer.certAuthority = true;
      else if (lower === 'namespaces') signer.namespaces = v;
      else if (lower === 'valid-after' || lower === 'valid-before') {
        const t = parseSignerTime(v);
        if (t === undefined) {
          problems.push(`${file}:${i + 1}: ${name}="${v}" is not YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]`);
          return;
        }
        if (lower === 'valid-after') signer.validAfter = t;
        else signer.validBefore = t;
      } else {
        problems.push(`${file}:${i + 1}: unknown option "${name}"`);
        return;
      }
    }
    signers.push(signer);
  });
  return { file, signers, problems };
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** `a,b="x,y",c` → `a`, `b="x,y"`, `c`. */
function splitOptions(text: string): string[] {
  return text.match(/(?:"[^"]*"|[^,"])+/g) ?? [];
}

/** `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`: local time unless `Z`, as ssh-keygen reads them. */
export function parseSignerTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1, 7).map((v) => v ?? '0');
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  return m[7] ? Date.UTC(...parts) : new Date(...parts).getTime();
}

/** ssh_config(5) PATTERNS: `*`, `?`, and `!` to exclude; the list matches when one pattern does and none excludes. */
export function matchesPatternList(value: string, list: string): boolean {
  let matched = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!globMatch(value, pattern)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatch(value: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** The line allowing `key` to sign for `principal` in `namespace` at `at`; undefined when none does. */
export function allowingSigner(
  signers: AllowedSigners,
  principal: string,
  namespace: string,
  key: Buffer,
  at: number,
): AllowedSigner | undefined {
  return signers.signers.find(
    (s) =>
      !s.certAuthority &&
      s.key.equals(key) &&
      matchesPatternList(principal, s.principals) &&
      (s.namespaces === undefined || matchesPatternList(namespace, s.namespaces)) &&
      (s.validAfter === undefined || at >= s.validAfter) &&
      (s.validBefore === undefined || at <= s.validBefore),
  );
}

const cache = new Map<string, { mtimeMs: number; size: number; signers: AllowedSigners }>();

/**
 * The file, read again only when it changed (a worker checks every job against it). Undefined when it does not
 * exist.
 */
export async function readAllowedSigners(file: string): Promise<AllowedSigners | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit.signers;
  const signers = parseAllowedSigners(file, await readFile(file, 'utf8'));
  cache.set(file, { mtimeMs: info.mtimeMs, size: info.size, signers });
  return signers;
}
