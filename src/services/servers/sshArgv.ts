import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Resource } from '../../domain/resource';
import { type Env, homeFolder } from '../storage/userPath';
import type { ServerHost } from './serversFile';

/** The tag that names the login user of an instance (default `ec2-user`). */
export const sshUserTag = 'infradeck:ssh-user';
/** The tag that names the SSH port of an instance (default 22). */
export const sshPortTag = 'infradeck:ssh-port';
export const defaultEc2User = 'ec2-user';

export type SshTarget =
  | { kind: 'host'; host: ServerHost }
  /** `identityFile`: the key pair's private key when it was found on this machine (`findKeyFile`). */
  | { kind: 'ec2'; instance: Resource; identityFile?: string };

export interface SshInvocation {
  /** `['ssh', …options, '--', host]`: spawn `argv[0]` with `argv.slice(1)`, never through a shell. */
  argv: string[];
  host: string;
  port: number;
  user?: string;
  /** For the person: which key pair the instance expects, that only a private IP is known… */
  hints: string[];
}

export type SshPlan = ({ ok: true } & SshInvocation) | { ok: false; error: string };

const userRule = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const hostRule = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

function argvFor(host: string, port: number, user?: string, identityFile?: string): string[] {
  return [
    'ssh',
    '-p',
    String(port),
    ...(user ? ['-l', user] : []),
    ...(identityFile ? ['-i', identityFile] : []),
    // Ends the options: whatever the host is, ssh cannot read it as one.
    '--',
    host,
  ];
}

/**
 * The `ssh` command for a `servers.yaml` host or an EC2 instance, as an argument array: nothing in it is ever
 * interpreted by a shell, and values that come from tags (a user, a port) are checked first, because tags are
 * written by anyone who may tag resources in the account.
 *
 * An instance is reached on its public IP, else its private IP (said in a hint: that needs the VPC's network,
 * a VPN or a bastion). The user is the `infradeck:ssh-user` tag, else `ec2-user`.
 */
export function sshArgv(target: SshTarget): SshPlan {
  if (target.kind === 'host') {
    const h = target.host;
    if (!hostRule.test(h.host))
      return { ok: false, error: `${h.name}: "${h.host}" is not a host name or address` };
    if (h.user && !userRule.test(h.user))
      return { ok: false, error: `${h.name}: "${h.user}" is not a user name` };
    return {
      ok: true,
      argv: argvFor(h.host, h.port, h.user, h.identityFile),
      host: h.host,
      port: h.port,
      ...(h.user ? { user: h.user } : {}),
      hints: [],
    };
  }

  const r = target.instance;
  if (r.type !== 'instance') return { ok: false, error: `${r.id} is a ${r.type}, not an instance` };
  const hints: string[] = [];
  const publicIp = typeof r.raw?.PublicIpAddress === 'string' ? r.raw.PublicIpAddress : undefined;
  const privateIp = typeof r.raw?.PrivateIpAddress === 'string' ? r.raw.PrivateIpAddress : undefined;
  const host = publicIp || privateIp;
  if (!host) {
    const why = r.state && r.state !== 'running' ? `it is ${r.state}` : 'it has no IP address';
    return { ok: false, error: `cannot ssh to ${r.id}: ${why}` };
  }
  if (!hostRule.test(host)) return { ok: false, error: `${r.id}: "${host}" is not an IP address` };
  if (!publicIp) {
    hints.push(
      `${r.id} has only a private IP (${host}): reachable from inside its VPC (a VPN, or a bastion with ProxyJump in ~/.ssh/config)`,
    );
  }
  const user = r.tags[sshUserTag] ?? defaultEc2User;
  if (!userRule.test(user)) {
    return { ok: false, error: `${r.id}: the ${sshUserTag} tag "${user}" is not a user name` };
  }
  let port = 22;
  const portTag = r.tags[sshPortTag];
  if (portTag !== undefined) {
    port = Number(portTag);
    if (!/^\d{1,5}$/.test(portTag) || port < 1 || port > 65_535) {
      return { ok: false, error: `${r.id}: the ${sshPortTag} tag "${portTag}" is not a port` };
    }
  }
  const keyPair = r.refs.keyPair;
  if (keyPair && !target.identityFile) {
    hints.push(
      `${r.id} was launched with key pair "${keyPair}": no ~/.ssh/${keyPair}.pem here, so ssh offers your agent's and ~/.ssh/config's keys`,
    );
  }
  if (r.state && r.state !== 'running') hints.push(`${r.id} is ${r.state}`);
  return { ok: true, argv: argvFor(host, port, user, target.identityFile), host, port, user, hints };
}

export interface RemoteCommandOptions {
  /** ssh's `ConnectTimeout`: how long to wait for the connection before failing (exit 255). */
  connectTimeoutSeconds: number;
  /** More ssh options (`['-o', 'UserKnownHostsFile=…']`), placed ahead of the server's own. */
  options?: readonly string[];
}

/**
 * An `sshArgv` command made into an unattended run of `command` on the server: no prompts (`BatchMode`: a
 * missing key or an unknown host fails instead of waiting for a person), no terminal (`-T`), a connect timeout.
 * Options go first because ssh keeps the first value it reads for each, so these win over ~/.ssh/config.
 *
 * ssh sends its command as ONE string that the remote user's shell splits again, so each word is quoted for a
 * POSIX shell (sh, bash, dash, zsh; not fish or csh): `['echo', 'a b']` arrives as two words, `$x` and `;` as
 * text.
 */
export function sshCommandArgv(
  argv: readonly string[],
  command: readonly string[],
  opts: RemoteCommandOptions,
): string[] {
  const end = argv.indexOf('--');
  if (argv[0] !== 'ssh' || end === -1 || end !== argv.length - 2) {
    throw new Error(`not an sshArgv command (ssh … -- host): ${argv.join(' ')}`);
  }
  if (command.length === 0) throw new Error('no command to run over ssh (ssh would open a login shell)');
  const seconds = Math.max(1, Math.ceil(opts.connectTimeoutSeconds));
  return [
    'ssh',
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${seconds}`,
    ...(opts.options ?? []),
    ...argv.slice(1),
    ...command.map(shellQuote),
  ];
}

/** Words every POSIX shell takes as they are (no leading `=`: zsh expands `=cmd` to a path). */
const plainWord = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/** One word for a POSIX shell: as it is when nothing in it is special, else in single quotes. */
export function shellQuote(word: string): string {
  if (plainWord.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The private key of an EC2 key pair, where people keep them: `~/.ssh/NAME.pem`, `~/.ssh/NAME`. */
export async function findKeyFile(keyPair: string, env: Env = process.env): Promise<string | undefined> {
  if (!/^[A-Za-z0-9._ -]+$/.test(keyPair) || keyPair.startsWith('.')) return undefined;
  const sshDir = join(homeFolder(env), '.ssh');
  for (const name of [`${keyPair}.pem`, keyPair, `${keyPair}.key`]) {
    const path = join(sshDir, name);
    try {
      await access(path);
      return path;
    } catch {
      // try the next name
    }
  }
  return undefined;
}
