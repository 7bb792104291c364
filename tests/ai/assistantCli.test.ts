import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AskDeps, askCommand } from '../../src/commands/ask';
import type { CloudCommandIO } from '../../src/commands/cloudJob';
import { runCommand } from '../../src/commands/run';
import { quick } from '../cloudJobs/cloudJobHarness';
import { Capture } from '../harness/capture';
import { type ChatServer, chunk, send, sseHead, startChatServer, streams } from './assistantServer';

const leakedKey = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';

describe('infradeck ask, end to end against a local Chat Completions server', () => {
  let dataDir: string;
  let server: ChatServer | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'infradeck-ask-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function ask(
    argv: string[],
    opts: { env?: NodeJS.ProcessEnv; readOnly?: boolean; deps?: AskDeps } = {},
  ) {
    const stdout = new Capture();
    const stderr = new Capture();
    const io: CloudCommandIO = {
      stdout,
      stderr,
      env: {
        USER: 'alice',
        HOME: dataDir,
        ...(server ? { INFRADECK_AI_BASE_URL: server.baseUrl, INFRADECK_AI_MODEL: 'test-model' } : {}),
        ...opts.env,
      },
      workspace: { dataDir },
      cloud: { demo: true, demoOptions: quick },
      ...(opts.readOnly ? { readOnly: true } : {}),
    };
    const code = await askCommand(argv, io, opts.deps ?? {});
    return { code, out: stdout.text, err: stderr.text };
  }

  /** A failed job in the workspace's history whose output carries secrets. */
  async function failLeakingSecrets() {
    const code = await runCommand(
      ['--shell', `echo "pushing with ${leakedKey} and DEPLOY_KEY=hunter2hunter2"; exit 1`],
      {
        stdout: new Capture(),
        stderr: new Capture(),
        env: { USER: 'alice', HOME: dataDir },
        workspace: { dataDir },
      },
    );
    expect(code).toBe(1);
  }

  it('without an endpoint says how to configure one (exit 2), and --show-context still shows what would go', async () => {
    const none = await ask(['why', 'is', 'it', 'slow?']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no assistant endpoint is configured');
    expect(none.err).toContain('INFRADECK_AI_BASE_URL=http://127.0.0.1:11434/v1 INFRADECK_AI_MODEL=llama3.2');

    await failLeakingSecrets();
    const shown = await ask(['--show-context', 'why did my push fail?']);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('─── system ───');
    expect(shown.out).toContain('why did my push fail?');
    expect(shown.out).toContain('## Recent failed jobs');
    expect(shown.out).toContain('pushing with ghp_*** and DEPLOY_KEY=***');
    expect(shown.out).toContain('## Advisor findings');
    expect(shown.out).not.toContain(leakedKey);
    expect(shown.out).not.toContain('hunter2hunter2');
    expect(shown.err).toMatch(/nothing was sent; \d+ values masked/);
  });

  it('streams the answer to stdout; the server only ever sees the masked context', async () => {
    await failLeakingSecrets();
    server = await startChatServer(streams(['The push ', 'was rejected.']));
    const r = await ask(['why did my push fail?']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('The push was rejected.\n');
    expect(r.err).toContain('asking test-model at');
    const sent = JSON.stringify(server.requests[0].body);
    expect(sent).toContain('pushing with ghp_***');
    expect(sent).not.toContain(leakedKey);
    expect(sent).not.toContain('hunter2hunter2');

    const json = await ask(['--json', 'again?']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.out);
    expect(body).toMatchObject({
      answer: 'The push was rejected.',
      outcome: 'complete',
      streamed: true,
      proposed: [],
    });
    expect(body.context.sections.map((s: { title: string }) => s.title)).toContain('Recent failed jobs');
  });

  it('prints the partial answer of a cut stream and exits 1 with the reason', async () => {
    server = await startChatServer((_req, res) => {
      sseHead(res);
      send(res, chunk('It started to', null, true));
      res.end();
    });
    const r = await ask(['what now?']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('It started to\n');
    expect(r.err).toContain('ended the stream before the answer was finished after 13 characters');
  });

  it('says an endpoint that is down is unreachable (exit 1)', async () => {
    server = await startChatServer(streams(['x']));
    const env = { INFRADECK_AI_BASE_URL: server.baseUrl, INFRADECK_AI_MODEL: 'm' };
    await server.close();
    server = undefined;
    const r = await ask(['hello?'], { env });
    expect(r.code).toBe(1);
    expect(r.err).toContain('is unreachable: connection refused (is the server running?)');
  });

  describe('a proposed job', () => {
    const proposing = (spec: object) =>
      streams(['Run this:\n', '```json\n', `${JSON.stringify(spec)}\n`, '```\n']);
    const marker = join(tmpdir(), `infradeck-ask-ran-${process.pid}`);
    const echo = { kind: 'command', payload: { program: 'echo', args: ['proposed', 'and', 'confirmed'] } };

    it('is printed as a job spec and not run without --run', async () => {
      server = await startChatServer(proposing(echo));
      const r = await ask(['what should I run?']);
      expect(r.code).toBe(0);
      expect(r.err).toContain('proposed job (command, changes things): echo proposed and confirmed');
      expect(r.err).toContain('nothing was run');
    });

    it('runs with --run only after a yes, and not at all when declined or without a terminal', async () => {
      server = await startChatServer(proposing(echo));
      const asked: string[] = [];
      const yes = await ask(['--run', 'go'], {
        deps: {
          confirm: async (q) => {
            asked.push(q);
            return true;
          },
        },
      });
      expect(asked).toEqual(['Run job `echo proposed and confirmed`?']);
      expect(yes.code).toBe(0);
      expect(yes.out).toContain('proposed and confirmed\n');
      expect(yes.err).toMatch(/job \d+ completed/);

      const no = await ask(['--run', 'go'], { deps: { confirm: async () => false } });
      expect(no.code).toBe(0);
      expect(no.err).toContain('not run');
      expect(no.out).not.toContain('proposed and confirmed\n');

      const noTty = await ask(['--run', '--json', 'go'], { deps: {} });
      expect(noTty.code).toBe(1);
      expect(noTty.err).toContain('stdin is not one');
      expect(JSON.parse(noTty.out).ran).toEqual([
        { status: 'refused: no terminal to confirm on', summary: 'echo proposed and confirmed' },
      ]);
    });

    it('is refused in read-only mode, before anyone is asked', async () => {
      server = await startChatServer(
        proposing({ kind: 'command', payload: { program: 'touch', args: [marker] } }),
      );
      let asked = false;
      const deps = {
        confirm: async () => {
          asked = true;
          return true;
        },
      };
      const r = await ask(['--run', 'go'], { readOnly: true, deps });
      expect(r.code).toBe(1);
      expect(r.err).toContain('read-only: `touch');
      expect(asked).toBe(false);
      const viaEnv = await ask(['--run', 'go'], { env: { INFRADECK_READONLY: '1' }, deps });
      expect(viaEnv.code).toBe(1);
      expect(asked).toBe(false);
    });

    it('that does not fit the registry is shown with the reason', async () => {
      server = await startChatServer(proposing({ kind: 'terminate', payload: { ids: [] } }));
      const r = await ask(['--run', 'go'], { deps: { confirm: async () => true } });
      expect(r.code).toBe(1);
      expect(r.err).toContain('proposed job not usable: payload.ids: nothing selected');
      expect(r.err).toContain('--run: the answer proposes no job to run');
    });
  });
});
