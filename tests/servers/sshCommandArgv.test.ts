import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote, sshArgv, sshCommandArgv } from '../../src/services/servers/sshArgv';

const hostArgv = (): string[] => {
  const plan = sshArgv({
    kind: 'host',
    host: {
      name: 'db',
      host: 'db.example',
      port: 2222,
      user: 'ops',
      identityFile: '/keys/db key.pem',
      tags: {},
    },
  });
  if (!plan.ok) throw new Error(plan.error);
  return plan.argv;
};

/** The words `/bin/sh -c` runs when ssh's remote command line is handed to it. */
function remoteArgv(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('an unattended ssh command for a batch target', () => {
  it('puts BatchMode, no terminal and a connect timeout first, then the Servers tab argv, then the command', () => {
    const argv = sshCommandArgv(hostArgv(), ['systemctl', 'restart', 'nginx'], {
      connectTimeoutSeconds: 7,
      options: ['-o', 'UserKnownHostsFile=/ws/.cache/ssh/known_hosts'],
    });
    expect(argv).toEqual([
      'ssh',
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=7',
      '-o',
      'UserKnownHostsFile=/ws/.cache/ssh/known_hosts',
      '-p',
      '2222',
      '-l',
      'ops',
      '-i',
      '/keys/db key.pem',
      '--',
      'db.example',
      'systemctl',
      'restart',
      'nginx',
    ]);
  });

  it('is read by OpenSSH as meant: the options ahead of the host, the host after "--"', () => {
    const argv = sshCommandArgv(hostArgv(), ['uptime'], { connectTimeoutSeconds: 3 });
    // `ssh -G` prints the settings it would use and connects to nothing; the command is ignored by it.
    const settings = execFileSync('ssh', ['-G', '-F', '/dev/null', ...argv.slice(1, -1)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(settings).toMatch(/^batchmode yes$/m);
    expect(settings).toMatch(/^connecttimeout 3$/m);
    expect(settings).toMatch(/^hostname db\.example$/m);
    expect(settings).toMatch(/^port 2222$/m);
    expect(settings).toMatch(/^user ops$/m);
  });

  it('quotes each word so the remote shell splits the line back into the same words', () => {
    const words = [
      'printf',
      '%s\\n',
      'a b',
      "it's",
      '$HOME',
      'x;y',
      '"q"',
      '',
      'back\\slash',
      '*',
      '=cmd',
      '~',
      'a\nb',
    ];
    const argv = sshCommandArgv(hostArgv(), words, { connectTimeoutSeconds: 5 });
    const line = argv.slice(argv.indexOf('--') + 2).join(' ');
    expect(remoteArgv(line)).toEqual(words);
  });

  it('leaves plain words bare and single-quotes the rest', () => {
    expect(shellQuote('nginx')).toBe('nginx');
    expect(shellQuote('--since=-1h')).toBe('--since=-1h');
    expect(shellQuote('/var/log/syslog')).toBe('/var/log/syslog');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('=cmd')).toBe("'=cmd'");
  });

  it('refuses an empty command (ssh would open a login shell) and an argv not made by sshArgv', () => {
    expect(() => sshCommandArgv(hostArgv(), [], { connectTimeoutSeconds: 5 })).toThrow(/no command/);
    expect(() => sshCommandArgv(['ssh', 'db.example'], ['true'], { connectTimeoutSeconds: 5 })).toThrow(
      /not an sshArgv command/,
    );
  });
});
