/** What a masked secret becomes. */
export const maskedText = '***';

/** Names whose values are secrets, in variables, config files, JSON and flags. */
const secretWord = 'secret|token|passw(?:or)?d|api[_-]?key|private[_-]?key|credential';
const secretNamePattern = new RegExp(secretWord, 'i');

/** `AWS_SECRET_ACCESS_KEY=…`, `password: …`, `"token": "…"`, `--api-key=…`: the value goes, the name stays. */
const assignment = new RegExp(
  `((?<![\\w.-])[\\w.-]*(?:${secretWord})[\\w.-]*["']?[ \\t]*[:=][ \\t]*)(?:"([^"]*)"|'([^']*)'|([^\\s"',;]+))`,
  'gi',
);
/** `SSH_KEY=…`, `KEY: …`: a variable named `*KEY*` (as a word of an upper-case name, not `keyPair` or `MONKEY`). */
const keyAssignment =
  /\b((?:[A-Z][A-Z0-9]*_)*KEYS?(?:_[A-Z0-9]+)*["']?[ \t]*[:=][ \t]*)(?:"([^"]*)"|'([^']*)'|([^\s"',;]+))/g;
/** Tokens known by their prefix, bare in text: GitHub, GitLab, OpenAI-style `sk-`, Slack. The prefix stays. */
const prefixedToken = /\b(gh[pousr]_|github_pat_|glpat-|sk-(?:proj-|ant-)?|xox[abeprs]-)[A-Za-z0-9_-]{16,}/g;
/** `Authorization: Bearer …` (any scheme) and a bare `Bearer …`. */
const authorization =
  /(authorization["']?[ \t]*[:=][ \t]*["']?)((?:bearer|basic|token|digest|negotiate)[ \t]+)?([^\s"',;]+)/gi;
const bearer = /\b(bearer[ \t]+)(?!\*\*\*)[A-Za-z0-9._~+/-]{6,}=*/gi;
/** AWS access key ids of every kind (user, temporary, role, …). */
const awsKeyId = /\b(AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{16}\b/g;
/** `scheme://user:password@host`: the password goes. */
const urlPassword = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):([^\s/@]+)@/gi;
const pemBegin = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----/;
const pemBlock =
  /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|$)/g;
/** What lines inside a PEM block look like: base64, and the `Proc-Type:`/`DEK-Info:` headers. */
const pemBody = /^[\sA-Za-z0-9+/=:,-]*$/;
/** Cheap test before the patterns: most lines contain none of these. */
const suspect =
  /secret|token|passw|key|private|credential|authoriz|bearer|:\/\/|A(?:KIA|SIA|IDA|ROA|GPA|NPA|NVA|PKA|BIA|CCA)|gh[pousr]_|github_pat_|glpat-|sk-|xox/i;

/** Shorter values are not masked verbatim: masking every "on" or "1234" would garble output for nothing. */
const minSecretLength = 6;

/**
 * The values of this process's secret variables (`*SECRET*`, `*TOKEN*`, `*PASSWORD*`, keys, credentials) and
 * the passwords inside URL-valued ones (`REDIS_URL=redis://:pw@host`), longest first, to mask verbatim.
 */
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    // `AWS_SHARED_CREDENTIALS_FILE` names where a secret is, not the secret: masking paths helps nobody.
    // `*KEY*` ends a word of the name (`SSH_KEY`, `APIKEY`, `STRIPE_KEYS`), not `KEYBOARD_LAYOUT`.
    const secretName =
      (secretNamePattern.test(name) || /KEYS?(?:_|$)/i.test(name)) && !/_(FILE|PATH|DIR)$/i.test(name);
    if (secretName || /^AWS_ACCESS_KEY_ID$/i.test(name)) values.add(value.trim());
    for (const m of value.matchAll(urlPassword)) values.add(decodeOrSelf(m[2]));
  }
  return [...values].filter((v) => v.length >= minSecretLength).sort((a, b) => b.length - a.length);
}

function decodeOrSelf(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `NAME=value` with the value masked, its quotes kept. */
function maskAssigned(_m: string, lead: string, dq?: string, sq?: string): string {
  if (dq !== undefined) return `${lead}"${maskedText}"`;
  if (sq !== undefined) return `${lead}'${maskedText}'`;
  return `${lead}${maskedText}`;
}

/** Mask secret-shaped values in one piece of text (a message, possibly several lines). */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(maskedText);
  if (out.includes('PRIVATE KEY')) {
    out = out.replace(
      pemBlock,
      (_m, kind: string, block = '') =>
        `-----BEGIN ${kind}PRIVATE KEY${block}----- ${maskedText} -----END ${kind}PRIVATE KEY${block}-----`,
    );
  }
  if (!suspect.test(out)) return out;
  return out
    .replace(authorization, (_m, lead: string, scheme = '') => `${lead}${scheme}${maskedText}`)
    .replace(bearer, (_m, lead: string) => `${lead}${maskedText}`)
    .replace(assignment, maskAssigned)
    .replace(keyAssignment, maskAssigned)
    .replace(prefixedToken, (_m, prefix: string) => `${prefix}${maskedText}`)
    .replace(awsKeyId, (_m, prefix: string) => `${prefix}${maskedText}`)
    .replace(urlPassword, (_m, lead: string) => `${lead}:${maskedText}@`);
}

/**
 * Masks the output of one job line by line. A PEM private key spans many lines, so it keeps, per stream,
 * whether it is inside one: its lines are masked until the END line (or a line that cannot be key material).
 */
export class SecretMask {
  private readonly inKey = new Set<string>();

  constructor(private readonly secrets: readonly string[] = []) {}

  /** Any text leaving the worker that is not an output line: messages, errors, event data. */
  text(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  /** One line of output on `stream`. */
  line(text: string, stream: string): string {
    if (this.inKey.has(stream)) {
      const end = /-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/.exec(text);
      if (end) {
        this.inKey.delete(stream);
        return `${maskedText}${this.text(text.slice(end.index))}`;
      }
      if (pemBody.test(text)) return maskedText;
      this.inKey.delete(stream);
    }
    const begin = pemBegin.exec(text);
    if (begin && !text.slice(begin.index).includes('-----END ')) {
      this.inKey.add(stream);
      return `${this.text(text.slice(0, begin.index))}${begin[0]} ${maskedText}`;
    }
    return this.text(text);
  }
}
