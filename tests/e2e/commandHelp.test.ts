import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalFlags, parseCli, passThroughShape } from '../../src/cliArgs';
import { commandList } from '../../src/commands/commandList';
import { type CommandDeclaration, parseCommand } from '../../src/commands/declaration';
import type { FlagSpecs } from '../../src/commands/flagSpec';
import { globalUsage, runHeadless } from '../../src/headless';
import { Capture } from '../harness/capture';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-help-'));
  // Keep the developer's own config, data and Redis out of the test.
  env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), USER: 'ada' };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `infradeck ARGV…` in this process, as the CLI runs a subcommand. */
async function infradeck(...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runHeadless(parseCli(argv), env, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Every flag a help text names (`--name` anywhere; `-x` where a flag's short form is given: `-x, --name`, `(-x)`). */
function flagsNamedIn(help: string): string[] {
  const long = help.match(/(?<![\w-])--[a-z][a-z-]*/g) ?? [];
  const short = [...help.matchAll(/^ {2}(-[a-z]), --|\((-[a-z])\)/gm)].map((m) => m[1] ?? m[2]);
  return [...new Set([...long, ...short])];
}

/** Arguments that satisfy the command's required positionals, placed where its usage puts them. */
function withArguments(c: CommandDeclaration, flag: string[]): string[] {
  const args = c.args.filter((a) => !a.optional).map(() => 'x');
  return c.passThrough ? [c.name, ...flag, ...args] : [c.name, ...args, ...flag];
}

const allFlags = (c: CommandDeclaration): FlagSpecs => ({ ...globalFlags, ...c.flags });

describe('infradeck COMMAND --help', () => {
  it('declares 30 commands, each once', () => {
    const names = commandList.map((c) => c.name);
    expect(names).toHaveLength(30);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const c of commandList) {
    describe(c.name, () => {
      it("prints that command's own usage, flags and exit codes", async () => {
        for (const argv of [
          [c.name, '--help'],
          [c.name, '-h'],
          ['--help', c.name],
        ]) {
          const r = await infradeck(...argv);
          expect(r.code, argv.join(' ')).toBe(0);
          expect(r.stdout.startsWith(`usage: infradeck ${c.name}`), r.stdout).toBe(true);
          expect(r.stdout).toContain(c.summary);
          expect(r.stdout).toContain('Exit codes:');
          expect(r.stdout).not.toContain('Commands:');
        }
      });

      it('names every flag the command accepts, and accepts every flag its help names', async () => {
        const help = (await infradeck(c.name, '--help')).stdout;
        const named = flagsNamedIn(help);
        for (const [name, f] of Object.entries(allFlags(c))) {
          expect(named, `--${name}`).toContain(`--${name}`);
          if (f.short) expect(named, `-${f.short}`).toContain(`-${f.short}`);
        }
        for (const flag of named) {
          const [name, spec] =
            Object.entries(allFlags(c)).find(([n, f]) => flag === `--${n}` || flag === `-${f.short}`) ?? [];
          expect(spec, `${c.name} --help names ${flag}, which it does not accept`).toBeDefined();
          const argv = withArguments(c, spec?.type === 'string' ? [flag, '1'] : [flag]);
          const args = parseCli(argv);
          expect(args.command).toBe(c.name);
          if (name && name in globalFlags) {
            expect(args.rest, argv.join(' ')).not.toContain(flag);
          } else {
            const parsed = parseCommand(c, args.rest);
            const value = spec?.type === 'string' ? (spec.multiple ? ['1'] : '1') : true;
            expect(parsed.values[name as string], argv.join(' ')).toEqual(value);
          }
        }
      });

      it('refuses an unknown flag with exit 2, naming the flag and giving the usage', async () => {
        const r = await infradeck('--data', dir, ...withArguments(c, ['--bogus']));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`infradeck ${c.name}: unknown flag --bogus\n`);
        expect(r.stderr).toContain(`\nusage: infradeck ${c.name}`);
      });

      it('says in one line which flag lacks its value, takes none, or which argument is one too many: exit 2', async () => {
        /** The first line of stderr, and that the usage follows it at once. */
        const refused = async (...argv: string[]) => {
          const r = await infradeck('--data', dir, ...argv);
          expect(r.code, argv.join(' ')).toBe(2);
          const [first, second] = r.stderr.split('\n');
          expect(second, argv.join(' ')).toMatch(/^usage: infradeck /);
          return first;
        };
        const flags = Object.entries(c.flags);
        const valued = flags.find(([, f]) => f.type === 'string');
        // `run --timeout -3 …`: a pass-through command's flag takes the next word, whatever it is.
        if (valued && !c.passThrough) {
          const [name, f] = valued;
          const what = f.value ? ` (${f.value})` : '';
          expect(await refused(...withArguments(c, [`--${name}`]))).toBe(
            `infradeck ${c.name}: --${name} needs a value${what}`,
          );
          expect(await refused(...withArguments(c, [`--${name}`, '-3']))).toBe(
            `infradeck ${c.name}: --${name} needs a value${what}; one that starts with "-" is written --${name}=-…`,
          );
        }
        const flag = flags.find(([name, f]) => f.type === 'boolean' && name !== 'json');
        if (flag) {
          expect(await refused(...withArguments(c, [`--${flag[0]}=yes`]))).toBe(
            `infradeck ${c.name}: --${flag[0]} takes no value`,
          );
        }
        if (c.args.length === 0 && !c.passThrough) {
          expect(await refused(c.name, 'extra')).toBe(
            `infradeck ${c.name}: unexpected argument "extra": ${c.name} takes no arguments`,
          );
        }
      });
    });
  }

  it('jobs --kind refuses a kind that does not exist, naming the kinds', async () => {
    const r = await infradeck('--data', dir, 'jobs', '--kind', 'comand');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(
      /^infradeck jobs: --kind comand: not a kind of job \(.*\bcommand\b.*\)$/,
    );
    expect((await infradeck('--data', dir, 'jobs', '--kind', 'command')).code).toBe(0);
  });

  it('pipeline run of an unknown name says which command speaks, on its first line: exit 2', async () => {
    const r = await infradeck('--data', dir, 'pipeline', 'run', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'infradeck pipeline: no pipeline "nope" (pipelines: none)\ninfradeck pipeline: nothing started\n',
    );
  });

  it('events refuses --last beside --since, which would ignore it', async () => {
    const r = await infradeck('--data', dir, 'events', '--since', '0', '--last', '2');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'infradeck events: --last and --since: give one (--since prints every event after its id)',
    );
  });

  it('a command of one argument given two names the second', async () => {
    for (const name of ['approve', 'plan', 'resume']) {
      const r = await infradeck('--data', dir, name, 'a', 'b');
      expect(r.code, name).toBe(2);
      expect(r.stderr.split('\n')[0], name).toMatch(
        new RegExp(`^infradeck ${name}: unexpected argument "b"`),
      );
    }
  });

  it('commands parse their arguments only through their declaration', () => {
    const folder = join(import.meta.dirname, '..', '..', 'src', 'commands');
    const parsing = readdirSync(folder).filter(
      (f) => f !== 'declaration.ts' && /\bparseArgs\(/.test(readFileSync(join(folder, f), 'utf8')),
    );
    expect(parsing).toEqual([]);
  });

  it('splits argv before loading any command exactly as the declarations say', () => {
    for (const c of commandList) {
      expect(passThroughShape(c.name), c.name).toEqual(
        c.passThrough ? { flags: c.flags, passThrough: true } : undefined,
      );
    }
  });
});

describe('global flags', () => {
  it('a valued flag with no value is refused by name, not read as an empty value', () => {
    // `--data` last or before another flag read '' and took the current directory for the workspace.
    expect(() => parseCli(['jobs', '--data'])).toThrow('--data needs a value (DIR)');
    expect(() => parseCli(['--data', '--json', 'jobs'])).toThrow('--data needs a value (DIR)');
    expect(() => parseCli(['jobs', '--region='])).toThrow('--region needs a value (NAME)');
    expect(() => parseCli(['jobs', '--json=1'])).toThrow(/^--json takes no value$/);
    expect(parseCli(['--data', '/srv/ws', 'jobs']).data).toBe('/srv/ws');
    expect(parseCli(['--data=/srv/ws', 'jobs']).data).toBe('/srv/ws');
  });
});

describe('infradeck --help', () => {
  it('lists every command with its usage and summary', () => {
    const help = globalUsage();
    for (const c of commandList) {
      expect(help).toContain(`infradeck ${c.name}`);
      expect(help).toContain(c.summary);
    }
    for (const name of Object.keys(globalFlags)) expect(help).toContain(`--${name}`);
  });

  it('is what the README shows under "Command line"', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const block = readme.match(/## Command line\n\n```\n([\s\S]*?)```/)?.[1];
    expect(block).toBe(globalUsage());
  });

  it('an unknown command is bad usage', async () => {
    const r = await infradeck('frobnicate', '--help');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });
});
