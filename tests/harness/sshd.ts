import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const sshdProgram = '/usr/sbin/sshd';

function installed(program: string): boolean {
  try {
    accessSync(program, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function sshClientInstalled(): boolean {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What to do when the sshd suites cannot run here; undefined when they can. */
export const sshdMissing: string | undefined =
  installed(sshdProgram) && installed('/usr/bin/ssh-keygen') && sshClientInstalled()
    ? undefined
    : `the ssh suites need OpenSSH (${sshdProgram}, ssh, ssh-keygen): ` +
      'apt-get install -y --no-install-recommends openssh-server openssh-client (.ci/run does it in CI)';

/**
 * sshd suites run when OpenSSH is installed; they are skipped only when it is not AND `CI` is not `true`
 * (in CI a missing sshd is a failure, not a skip: `startSshd` then throws the install hint).
 */
export const skipSshd = sshdMissing !== undefined && process.env.CI !== 'true';
if (skipSshd) console.warn(`skipping: ${sshdMissing}`);

export interface TestSshd {
  port: number;
  /** Where it listens: 127.0.0.1 and any other loopback address asked for (all of 127/8 is loopback on Linux). */
  addresses: string[];
  /** Who logs in: the user running the tests (a non-root sshd can let in nobody else). */
  user: string;
  /** The user's private key, accepted by this server only. */
  identityFile: string;
  /** A known_hosts with this server's key for each address, for tests that want strict checking. */
  knownHostsFile: string;
  /** The server's host key line (`ssh-ed25519 AAAA…`). */
  hostKey: string;
  /**
   * ssh options that keep the client off ~/.ssh: no config file, only this key. Add
   * `-o UserKnownHostsFile=…` yourself (`knownHostsFile`, or a fresh file to see accept-new at work).
   */
  clientOptions: string[];
  dir: string;
  /** What sshd wrote (`-e`: its log goes to stderr), to show when a test fails. */
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Loopback addresses to listen on besides 127.0.0.1 (`['127.0.0.2', '127.0.0.3']`): one `ListenAddress` each. */
  extraAddresses?: string[];
}

/**
 * A real OpenSSH server for one suite: a temporary folder with a throw-away host key and user key, its own
 * `AuthorizedKeysFile`, on a free high port, run in the foreground (`-D -e`) as the current user.
 *
 * - As root (CI): sshd insists on its privilege-separation folder /run/sshd (compiled in, not configurable),
 *   which Debian makes only when the service starts: made here if missing. `PermitRootLogin prohibit-password`
 *   lets root in with the key.
 * - As another user: sshd runs unprivileged (no privilege separation to set up; `UsePrivilegeSeparation` is
 *   gone from OpenSSH) and can only log in the user it runs as, which is who the tests connect as.
 * - `StrictModes no`: the keys live under /tmp, whose modes sshd would otherwise refuse.
 *
 * Ready when every address answers; a port taken between choosing it and sshd binding it is retried.
 */
export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  if (sshdMissing) throw new Error(sshdMissing);
  const addresses = ['127.0.0.1', ...(opts.extraAddresses ?? [])];
  const dir = await mkdtemp(join(tmpdir(), 'infradeck-sshd-'));
  try {
    const hostKeyFile = join(dir, 'host_key');
    const identityFile = join(dir, 'user_key');
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'infradeck-test-host',
      '-f',
      hostKeyFile,
    ]);
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'infradeck-test-user',
      '-f',
      identityFile,
    ]);
    await writeFile(join(dir, 'authorized_keys'), await readFile(`${identityFile}.pub`));
    const hostKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

    let lastFailure = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const config = join(dir, 'sshd_config');
      await writeFile(config, sshdConfig(dir, port, addresses));
      const started = await launch(config, port, addresses);
      if (!started.ok) {
        lastFailure = started.log;
        continue;
      }
      const knownHostsFile = join(dir, 'known_hosts');
      await writeFile(knownHostsFile, addresses.map((a) => `[${a}]:${port} ${hostKey}\n`).join(''));
      const { proc, output } = started;
      return {
        port,
        addresses,
        user: userInfo().username,
        identityFile,
        knownHostsFile,
        hostKey,
        clientOptions: ['-F', '/dev/null', '-i', identityFile, '-o', 'IdentitiesOnly=yes'],
        dir,
        log: () => output.join(''),
        stop: async () => {
          await stopGroup(proc);
          killSessions(dir);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    throw new Error(`sshd did not start in 5 attempts; its last words:\n${lastFailure}`);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function sshdConfig(dir: string, port: number, addresses: string[]): string {
  return [
    `Port ${port}`,
    ...addresses.map((a) => `ListenAddress ${a}`),
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PrintMotd no',
    // Marks every session's processes, so stop() can end those a killed ssh client left running.
    `SetEnv ${sessionMark}=${dir}`,
    'LogLevel INFO',
    '',
  ].join('\n');
}

type Launched = { ok: true; proc: ChildProcess; output: string[] } | { ok: false; log: string };

async function launch(config: string, port: number, addresses: string[]): Promise<Launched> {
  // Its own process group, so stop() also ends the per-connection children.
  const proc = spawn(sshdProgram, ['-D', '-e', '-f', config], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const output: string[] = [];
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (text: string) => output.push(text));
  proc.on('error', (error) => output.push(`${error.message}\n`));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return { ok: false, log: output.join('') };
    if (output.join('').includes('Bind to port')) break; // one address taken: try another port
    const open = await Promise.all(addresses.map((a) => portOpenAt(a, port)));
    if (open.every(Boolean)) return { ok: true, proc, output };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopGroup(proc);
  return { ok: false, log: output.join('') };
}

function portOpenAt(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, host);
  });
}

const sessionMark = 'INFRADECK_TEST_SSHD';

/**
 * Ends what sessions of this server still run. sshd puts each session in its own session (setsid), so killing
 * its group does not reach them, and it does not signal a command without a terminal when the client goes: a
 * test that times out a remote `sleep 30` would leave it behind.
 */
function killSessions(dir: string): void {
  const mark = `${sessionMark}=${dir}\0`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      if (`${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(mark))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}

/** A port nobody listens on now (the kernel's pick): sshd may still lose it to a race, hence the retries. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function stopGroup(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  try {
    process.kill(-proc.pid!, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}
