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

  it('points at each bad value with file:line:col, and a bad entry costs only itself', () => {
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
      '  - name: db',
      '    host: db.example',
      '    port: 5432',
      '    project: data',
    ].join('\n');
    const parsed = parseServersFile(join(dir, 'servers.yaml'), text);
    expect(parsed.readable).toBe(true);
    expect(parsed.hosts).toEqual([{ name: 'db', host: 'db.example', port: 5432, tags: {}, project: 'data' }]);
    expect(parsed.invalid.map((e) => [e.index, e.name, e.errors.map((x) => x.path)])).toEqual([
      [0, 'web', ['servers[0].port']],
      [1, 'web', ['servers[1].name', 'servers[1].host']],
      [2, 'odd', ['servers[2].usr']],
    ]);
    expect(errorsOf(text)).toEqual([
      `${join(dir, 'servers.yaml')}:4:11: servers[0].port: must be at most 65535, got 70000`,
      `${join(dir, 'servers.yaml')}:5:11: servers[1].name: "web" is already the name of servers[0]; names must be unique`,
      `${join(dir, 'servers.yaml')}:6:11: servers[1].host: not a host name or IP address`,
      `${join(dir, 'servers.yaml')}:9:5: servers[2].usr: unknown key "usr" (did you mean "user"? allowed: name, host, port, user, identityFile, tags, project)`,
    ]);
  });

  it('leaves out a second entry of the same name, even when the first one is the bad one', () => {
    const text = [
      'servers:',
      '  - { name: a, host: a.example, port: many }',
      '  - { name: b, host: b.example }',
      '  - { name: a, host: a2.example }',
      '  - { name: b, host: b2.example }',
      '  - just-a-word',
    ].join('\n');
    const parsed = parseServersFile(join(dir, 'servers.yaml'), text);
    expect(parsed.hosts.map((h) => h.host)).toEqual(['b.example']);
    expect(parsed.invalid.map((e) => e.name ?? e.index)).toEqual(['a', 'a', 'b', 4]);
    expect(errorsOf(text)).toEqual([
      `${join(dir, 'servers.yaml')}:2:39: servers[0].port: expected a number, got "many"`,
      `${join(dir, 'servers.yaml')}:4:13: servers[2].name: "a" is already the name of servers[0]; names must be unique`,
      `${join(dir, 'servers.yaml')}:5:13: servers[3].name: "b" is already the name of servers[1]; names must be unique`,
      `${join(dir, 'servers.yaml')}:6:5: servers[4]: expected a map (key: value), got "just-a-word"`,
    ]);
  });

  it('lists nothing of a file that is not YAML, or whose top level is wrong', () => {
    const good = '  - { name: ok, host: ok.example }';
    for (const text of [
      `servers:\n${good}\n\t- { name: tab, host: t.example }\n`,
      `servers:\n${good}\nservres: []\n`,
      'servers: web.example\n',
      '- { name: ok, host: ok.example }\n',
    ]) {
      const parsed = parseServersFile(join(dir, 'servers.yaml'), text);
      expect(parsed.readable, text).toBe(false);
      expect(parsed.hosts, text).toEqual([]);
      expect(parsed.errors.length, text).toBeGreaterThan(0);
    }
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
      invalid: [],
      readable: true,
      exists: false,
    });
    const unreadable = await loadServersFile(dir);
    expect(unreadable.errors.map(formatSourceError)).toEqual([`${dir}: is a folder, not a file`]);
    expect(unreadable.readable).toBe(false);
    await writeFile(join(dir, 'servers.yaml'), '# nothing yet\n');
    expect(await loadServersFile(join(dir, 'servers.yaml'))).toEqual({
      hosts: [],
      errors: [],
      invalid: [],
      readable: true,
      exists: true,
    });
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
