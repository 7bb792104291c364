import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/domain/config';
import { formatSourceError } from '../../src/domain/sourceError';
import { defaultConfigPath, loadConfig } from '../../src/services/storage/configFile';
import { refuseAccess } from './refuseAccess';

describe('the config file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives under XDG_CONFIG_HOME, else under ~/.config', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/ada' })).toBe(
      '/x/conf/infradeck/config.yaml',
    );
    expect(defaultConfigPath({ HOME: '/home/ada' })).toBe('/home/ada/.config/infradeck/config.yaml');
    // The XDG spec says a relative value is to be ignored.
    expect(defaultConfigPath({ XDG_CONFIG_HOME: 'conf', HOME: '/home/ada' })).toBe(
      '/home/ada/.config/infradeck/config.yaml',
    );
  });

  it('uses the defaults, silently, when the default file does not exist, and creates nothing', async () => {
    const loaded = await loadConfig(undefined, { explicit: false, env: { XDG_CONFIG_HOME: dir } });
    expect(loaded).toEqual({
      config: defaultConfig,
      errors: [],
      path: join(dir, 'infradeck', 'config.yaml'),
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a --config file that does not exist', async () => {
    const file = join(dir, 'typo.yaml');
    const loaded = await loadConfig(file, { explicit: true });
    expect(loaded.config).toEqual(defaultConfig);
    expect(loaded.errors.map(formatSourceError)).toEqual([`${file}: no such file (given with --config)`]);
    expect(existsSync(file)).toBe(false);
  });

  it('applies the values of a good file and fills in the rest with defaults', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'refresh:\n  repos: 5\nrepos:\n  roots: [~/code]\nkeys:\n  nav.down: [j, down]\n');
    const loaded = await loadConfig(file, { explicit: true });
    expect(loaded.errors).toEqual([]);
    expect(loaded.config).toEqual({
      ...defaultConfig,
      refresh: { repos: 5 },
      repos: { roots: ['~/code'], depth: 2 },
      keys: { 'nav.down': ['j', 'down'] },
    });
  });

  it('falls back to the defaults for the whole file when one value is bad, and says where', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'theme:\n  accent: magenta\nrefresh:\n  repos: often\n');
    const loaded = await loadConfig(file, { explicit: false });
    // The good accent is not applied either: half a config is more confusing than none.
    expect(loaded.config).toEqual(defaultConfig);
    expect(loaded.errors.map(formatSourceError)).toEqual([
      `${file}:4:10: refresh.repos: expected a number, got "often"`,
    ]);
  });

  it('treats an empty or comment-only file as all defaults', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, '# see the README for the keys\n');
    expect(await loadConfig(file, { explicit: true })).toEqual({
      config: defaultConfig,
      errors: [],
      path: file,
    });
  });

  it('reports an unreadable default file instead of ignoring it', async () => {
    const file = join(dir, 'infradeck', 'config.yaml');
    mkdirSync(join(dir, 'infradeck'));
    writeFileSync(file, 'theme:\n  accent: red\n');
    refuseAccess('readFile', file);
    const loaded = await loadConfig(undefined, { explicit: false, env: { XDG_CONFIG_HOME: dir } });
    expect(loaded.errors.map(formatSourceError)).toEqual([`${file}: permission denied`]);
    expect(loaded.config).toEqual(defaultConfig);
  });

  it('hands out a fresh defaults object each time', async () => {
    const a = await loadConfig(join(dir, 'none.yaml'), { explicit: false });
    a.config.repos.roots.push('/mutated');
    const b = await loadConfig(join(dir, 'none.yaml'), { explicit: false });
    expect(b.config.repos.roots).toEqual([]);
    expect(defaultConfig.repos.roots).toEqual([]);
  });
});
