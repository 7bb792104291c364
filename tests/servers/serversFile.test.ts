import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSourceError } from '../../src/domain/sourceError';
import { loadServersFile, parseServersFile } from '../../src/services/servers/serversFile';

describe('servers.yaml', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-servers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const errorsOf = (text: string) =>
    parseServersFile(join(dir, 'servers.yaml'), text, { HOME: '/home/op' }).errors.map(formatSourceError);

  it('reads hosts with defaults, and resolves key paths against the workspace or ~', () => {
    const file = join(dir, 'servers.yaml');
    const parsed = parseServersFile(
      file,
      [
        'servers:',
        '  - name: db',
        '    host: db.internal.example',
        '    user: ops',
        '    identityFile: keys/db.pem',
        '    project: data',
        '    tags: { env: prod }',
        '  - name: six',
        '    host: "[2001:db8::1]"',
        '    port: 2222',
        '    identityFile: ~/.ssh/six',
      ].join('\n'),
      { HOME: '/home/op' },
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.hosts).toEqual([
      {
        name: 'db',
        host: 'db.internal.example',
        port: 22,
        user: 'ops',
        identityFile: join(dir, 'keys/db.pem'),
        tags: { env: 'prod' },
        project: 'data',
      },
      { name: 'six', host: '2001:db8::1', port: 2222, identityFile: '/home/op/.ssh/six', tags: {} },
    ]);
  });

  it('points at each bad value with file:line:col and lists no host', () => {
    const text = [
      'servers:',
      '  - name: web',
      '    host: web.example',
      '    port: 70000',
      '  - name: web',
      '    host: "-oProxyCommand=touch /tmp/pwned"',
      '  - name: odd',
      '    host: ok.example',
      '    usr: root',
    ].join('\n');
    const parsed = parseServersFile(join(dir, 'servers.yaml'), text);
    expect(parsed.hosts).toEqual([]);
    expect(errorsOf(text)).toEqual([
      `${join(dir, 'servers.yaml')}:4:11: servers[0].port: must be at most 65535, got 70000`,
      `${join(dir, 'servers.yaml')}:5:11: servers[1].name: "web" is already the name of servers[0]; names must be unique`,
      `${join(dir, 'servers.yaml')}:6:11: servers[1].host: not a host name or IP address`,
      `${join(dir, 'servers.yaml')}:9:5: servers[2].usr: unknown key "usr" (did you mean "user"? allowed: name, host, port, user, identityFile, tags, project)`,
    ]);
  });

  it('says what is missing and catches YAML mistakes', () => {
    expect(errorsOf('servers:\n  - name: a\n')).toEqual([
      `${join(dir, 'servers.yaml')}:2:5: servers[0].host: missing required key "host"`,
    ]);
    expect(errorsOf('servers:\n\t- name: a\n')[0]).toMatch(/servers\.yaml:2:1: tabs are not allowed/);
  });

  it('is no hosts and no error when the file does not exist, and an error when it cannot be read', async () => {
    expect(await loadServersFile(join(dir, 'servers.yaml'))).toEqual({
      hosts: [],
      errors: [],
      exists: false,
    });
    const unreadable = await loadServersFile(dir);
    expect(unreadable.errors.map(formatSourceError)).toEqual([`${dir}: is a folder, not a file`]);
    await writeFile(join(dir, 'servers.yaml'), '# nothing yet\n');
    expect(await loadServersFile(join(dir, 'servers.yaml'))).toEqual({ hosts: [], errors: [], exists: true });
  });

  it('reads the example workspace file', async () => {
    const example = await loadServersFile(join(__dirname, '../../data/servers.yaml'));
    expect(example.errors).toEqual([]);
    expect(example.hosts.map((h) => [h.name, h.host, h.port])).toEqual([
      ['localhost', '127.0.0.1', 22],
      ['bastion-example', '127.0.0.2', 2222],
    ]);
  });
});
