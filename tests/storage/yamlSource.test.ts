import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/domain/config';
import { formatSourceError } from '../../src/domain/sourceError';
import { parseYamlFile, sourceErrorAt } from '../../src/domain/yamlSource';
import { readYamlFile } from '../../src/services/storage/yamlFile';
import { refuseAccess } from './refuseAccess';

const reposSchema = z
  .object({
    repos: z.array(z.object({ name: z.string().min(1).optional(), path: z.string().min(1) }).strict()),
  })
  .strict();

/** The errors as a person reads them: `file:line:col: path: message`. */
function problems(text: string, schema: z.ZodType<unknown> = reposSchema): string[] {
  const result = parseYamlFile('repos.yaml', text, schema);
  if (result.ok) throw new Error(`expected errors, parsed ${JSON.stringify(result.value)}`);
  return result.errors.map(formatSourceError);
}

describe('YAML syntax errors', () => {
  it('points at a tab used for indentation', () => {
    expect(problems('repos:\n  - path: a\n\t- path: b\n')).toEqual([
      'repos.yaml:3:1: tabs are not allowed as indentation in YAML; indent with spaces',
    ]);
  });

  it('points at the second occurrence of a duplicate key and names the first', () => {
    expect(problems('repos:\n  - path: a\n    name: x\n    path: b\n')).toEqual([
      'repos.yaml:4:5: duplicate key "path" (already set on line 2)',
    ]);
  });

  it('compares keys as YAML values: 1 and "1" are different keys, two 1s are not', () => {
    const schema = z.record(z.string(), z.string());
    expect(parseYamlFile('tags.yaml', '1: a\n"1": b\n', schema).ok).toBe(true);
    expect(problems('1: x\nm: { a: 1, b: 2, a: 3 }\n0x1: y\n', schema)).toEqual([
      'repos.yaml:2:18: duplicate key "a" (already set on line 2)',
      'repos.yaml:3:1: duplicate key "1" (already set on line 1)',
    ]);
  });

  it('finds the one duplicate in a map of 65,000 keys', () => {
    // Each key compared with every earlier one took most of a minute; the suite's time-out is the guard.
    const keys = Array.from({ length: 65_000 }, (_, i) => `  key-${i}: v\n`).join('');
    const text = `tags:\n${keys}  key-77: again\n`;
    const schema = z.object({ tags: z.record(z.string(), z.string()) });
    expect(problems(text, schema)).toEqual([
      'repos.yaml:65002:3: duplicate key "key-77" (already set on line 79)',
    ]);
  });

  it('points at an alias whose anchor is not defined', () => {
    expect(problems('base: &base ok\nrepos:\n  - path: *missing\n')).toEqual([
      'repos.yaml:3:11: alias *missing refers to an anchor &missing that is not defined before it',
    ]);
  });

  it('resolves an alias whose anchor is defined', () => {
    const schema = z.object({ base: z.string(), repos: z.array(z.object({ path: z.string() })) });
    const result = parseYamlFile('repos.yaml', 'base: &b /srv/app\nrepos:\n  - path: *b\n', schema);
    expect(result.ok && result.value.repos[0].path).toBe('/srv/app');
  });

  it('reports an unclosed bracket with its position', () => {
    const [message] = problems('repos: [\n  { path: a }\n');
    expect(message).toMatch(/^repos\.yaml:3:1: /);
  });

  it('refuses a second document in the same file', () => {
    expect(problems('repos: []\n---\nrepos: []\n')).toEqual([
      'repos.yaml:2:1: only one YAML document is allowed in this file (remove the second `---`)',
    ]);
  });
});

describe('schema errors located at the YAML node', () => {
  it('says which type was expected and what was found', () => {
    expect(problems('refresh:\n  repos: abc\n', configSchema)).toEqual([
      'repos.yaml:2:10: refresh.repos: expected a number, got "abc"',
    ]);
  });

  it('suggests quotes when a number stands where a string belongs', () => {
    expect(problems('repos:\n  - path: 8080\n')).toEqual([
      'repos.yaml:2:11: repos[0].path: expected a string, got 8080 (put it in quotes: "8080")',
    ]);
  });

  it('points at an unknown key itself and lists the allowed keys', () => {
    expect(problems('theme:\n  accent: red\n  colour: blue\n', configSchema)).toEqual([
      'repos.yaml:3:3: theme.colour: unknown key "colour" (allowed: accent, noColor)',
    ]);
  });

  it('suggests the key that was probably meant', () => {
    expect(problems('repos:\n  dpeth: 3\n', configSchema)).toEqual([
      'repos.yaml:2:3: repos.dpeth: unknown key "dpeth" (did you mean "depth"? allowed: roots, depth)',
    ]);
  });

  it('reports each of several unknown keys at its own line', () => {
    expect(problems('repos: []\nfoo: 1\nbar: 2\n')).toEqual([
      'repos.yaml:2:1: foo: unknown key "foo" (allowed: repos)',
      'repos.yaml:3:1: bar: unknown key "bar" (allowed: repos)',
    ]);
  });

  it('points a missing required key at the map that lacks it', () => {
    expect(problems('repos:\n  - path: a\n  - name: b\n')).toEqual([
      'repos.yaml:3:5: repos[1].path: missing required key "path"',
    ]);
  });

  it('points a key with an empty value at the key', () => {
    expect(problems('repos:\n  - path: a\n  - path:\n')).toEqual([
      'repos.yaml:3:5: repos[1].path: expected a string, got an empty value',
    ]);
  });

  it('locates errors in nested flow collections', () => {
    expect(problems('repos: [{ path: a }, { path: 7 }]\n')).toEqual([
      'repos.yaml:1:30: repos[1].path: expected a string, got 7 (put it in quotes: "7")',
    ]);
  });

  it('lists the allowed values of an enum', () => {
    const schema = z.object({ region: z.enum(['eu-west-1', 'us-east-1']) });
    expect(problems('region: mars-1\n', schema)).toEqual([
      'repos.yaml:1:9: region: expected one of "eu-west-1", "us-east-1", got "mars-1"',
    ]);
  });

  it('explains range and integer limits', () => {
    expect(problems('repos:\n  depth: 9\nrefresh:\n  repos: 1.5\n', configSchema)).toEqual([
      'repos.yaml:2:10: repos.depth: must be at most 6, got 9',
      'repos.yaml:4:10: refresh.repos: expected an integer, got 1.5',
    ]);
  });

  it('lists what a union accepts, or reports inside the branch that matched', () => {
    expect(problems('keys:\n  nav.down: 3\n  nav.up: [k, 4]\n', configSchema)).toEqual([
      'repos.yaml:2:13: keys["nav.down"]: expected a string, a list or an empty value (null), got 3',
      'repos.yaml:3:15: keys["nav.up"][1]: expected a string, got 4 (put it in quotes: "4")',
    ]);
  });

  it('locates each of 20,000 bad values in one map', () => {
    // Each issue used to search its map from the top: 20,000 issues in a 20,000-key map ran past the time-out.
    const text = `tags:\n${Array.from({ length: 20_000 }, (_, i) => `  key-${i}: ${i}\n`).join('')}`;
    const errors = problems(text, z.object({ tags: z.record(z.string(), z.string()) }));
    expect(errors).toHaveLength(20_000);
    expect(errors[19_999]).toBe(
      'repos.yaml:20001:14: tags.key-19999: expected a string, got 19999 (put it in quotes: "19999")',
    );
  });

  it('keeps a custom message written in the schema', () => {
    const schema = z.object({ type: z.string().refine((t) => t.startsWith('t3.'), 'not an instance type') });
    expect(problems('type: t9.huge\n', schema)).toEqual(['repos.yaml:1:7: type: not an instance type']);
  });

  it('says a file is empty when a map was expected', () => {
    expect(problems('# nothing here yet\n')).toEqual([
      'repos.yaml:1:1: the file is empty; expected a map (key: value)',
    ]);
  });

  it('validates an empty file as the given empty value', () => {
    const result = parseYamlFile('config.yaml', '# all defaults\n', configSchema, { empty: {} });
    expect(result.ok && result.value.refresh.repos).toBe(30);
  });

  it('returns the value and the document when everything is right', () => {
    const result = parseYamlFile(
      'repos.yaml',
      'repos:\n  - name: app  # the api\n    path: ./app\n',
      reposSchema,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toEqual({ repos: [{ name: 'app', path: './app' }] });
    expect(result.doc.toString()).toContain('# the api');
    expect(
      sourceErrorAt('repos.yaml', result.doc, result.lines, ['repos', 0, 'path'], 'not cloned yet'),
    ).toEqual({
      file: 'repos.yaml',
      line: 3,
      column: 11,
      path: 'repos[0].path',
      message: 'not cloned yet',
    });
  });
});

describe('reading a YAML file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-yaml-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says when the file does not exist', async () => {
    const file = join(dir, 'nope.yaml');
    expect(await readYamlFile(file, reposSchema)).toEqual({
      ok: false,
      errors: [{ file, line: 0, column: 0, path: '', message: 'no such file' }],
    });
  });

  it('says when the path is a folder', async () => {
    const result = await readYamlFile(dir, reposSchema);
    expect(!result.ok && result.errors[0].message).toBe('is a folder, not a file');
  });

  it('says when the file cannot be read', async () => {
    const file = join(dir, 'secret.yaml');
    writeFileSync(file, 'repos: []\n');
    refuseAccess('readFile', file);
    const result = await readYamlFile(file, reposSchema);
    expect(!result.ok && formatSourceError(result.errors[0])).toBe(`${file}: permission denied`);
  });

  it('reports errors with the path it was given', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'repos:\n  - path: [a]\n');
    const result = await readYamlFile(file, reposSchema);
    expect(!result.ok && result.errors.map(formatSourceError)).toEqual([
      `${file}:2:11: repos[0].path: expected a string, got a list`,
    ]);
  });
});
