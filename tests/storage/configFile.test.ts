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
    expect(loaded).toMatchObject({
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

  it('drops a bad value alone: its default applies and every good value of the file still does', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      'theme:\n  accent: magenta\n  x: 1\nrefresh:\n  repos: often\ncloud:\n  staleMinutes: 5\nrepos:\n  roots: [~/code, "", ~/src]\n  depth: 9\n',
    );
    const loaded = await loadConfig(file, { explicit: false });
    expect(loaded.config).toEqual({
      ...defaultConfig,
      theme: { accent: 'magenta', noColor: false },
      cloud: { staleMinutes: 5 },
      repos: { roots: ['~/code', '~/src'], depth: 2 },
    });
    expect(loaded.errors.map(formatSourceError)).toEqual([
      `${file}:3:3: theme.x: unknown key "x" (allowed: accent, noColor)`,
      `${file}:5:10: refresh.repos: expected a number, got "often"`,
      `${file}:9:19: repos.roots[1]: must not be empty`,
      `${file}:10:10: repos.depth: must be at most 6, got 9`,
    ]);
  });

  it('drops a key binding of the wrong kind and an unknown top-level key, keeping the other bindings', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'keys:\n  nav.down: 3\n  nav.up: [k, up, w]\ncolour: red\n');
    const loaded = await loadConfig(file, { explicit: false });
    expect(loaded.config.keys).toEqual({ 'nav.up': ['k', 'up', 'w'] });
    expect(loaded.errors.map(formatSourceError)).toEqual([
      `${file}:2:13: keys["nav.down"]: expected a string, a list or an empty value (null), got 3`,
      `${file}:4:1: colour: unknown key "colour" (did you mean "cloud"? allowed: keys, theme, refresh, cloud, repos, gitlab, access)`,
    ]);
  });

  it('refuses an accent that is not a colour, with the nearest name', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'theme:\n  accent: magneta\n  noColor: false\n');
    const loaded = await loadConfig(file, { explicit: false });
    expect(loaded.config.theme).toEqual({ accent: 'cyan', noColor: false });
    expect(loaded.errors.map(formatSourceError)).toEqual([
      `${file}:2:11: theme.accent: "magneta" is not a colour (did you mean "magenta"? use a name like cyan, magenta or blueBright, #rrggbb, ansi256(n) or rgb(r, g, b))`,
    ]);
    for (const accent of ['blueBright', '"#ff8800"', '"#f80"', 'ansi256(208)', 'rgb(255, 136, 0)']) {
      writeFileSync(file, `theme:\n  accent: ${accent}\n`);
      expect((await loadConfig(file, { explicit: false })).errors).toEqual([]);
    }
    // Names chalk has that are not colours would reach it as a call: refused too.
    for (const accent of ['level', 'bold', 'bgRed', 'ansi256(300)']) {
      writeFileSync(file, `theme:\n  accent: ${accent}\n`);
      expect((await loadConfig(file, { explicit: false })).config.theme.accent).toBe('cyan');
    }
  });

  it('reports a syntax error whole, where it is, and applies nothing of that file', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'theme:\n  accent: magenta\nkeys:\n  nav.down: [j, down\n  nav.up: k\n');
    const loaded = await loadConfig(file, { explicit: false });
    expect(loaded.config).toEqual(defaultConfig);
    expect(loaded.errors.map(formatSourceError)).toEqual([
      `${file}: nothing in this file applies, the defaults are in use until this is fixed:`,
      `${file}:5:3: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('locates a value of the file for problems found later (the keys), as written', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'refresh:\n  repos: soon\nkeys:\n  app.quitt: x\n  nav.down: [j, ctrl+shift+Q]\n');
    const loaded = await loadConfig(file, { explicit: false });
    const at = (path: (string | number)[]) => formatSourceError(loaded.errorAt(path, 'm'));
    expect(at(['keys', 'app.quitt'])).toBe(`${file}:4:14: keys["app.quitt"]: m`);
    expect(at(['keys', 'nav.down', 1])).toBe(`${file}:5:17: keys["nav.down"][1]: m`);
    // A value dropped as bad is still found where it is written.
    expect(at(['refresh', 'repos'])).toBe(`${file}:2:10: refresh.repos: m`);
  });

  it('treats an empty or comment-only file as all defaults', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, '# see the README for the keys\n');
    expect(await loadConfig(file, { explicit: true })).toMatchObject({
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
