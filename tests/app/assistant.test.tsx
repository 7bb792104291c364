import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapIndented } from '../../src/app/AssistantView';
import { assistantSettings } from '../../src/services/ai/assistantSettings';
import { deckAssistantFor } from '../../src/services/ai/deckAssistant';
import type { Bus } from '../../src/services/bus/contracts';
import {
  type Behaviour,
  type ChatServer,
  chunk,
  send,
  sseHead,
  startChatServer,
  streams,
} from '../ai/assistantServer';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

const awsKey = 'AKIAIOSFODNN7EXAMPLE';
const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

let deck: DeckSession | undefined;
let bus: Bus | undefined;
let server: ChatServer | undefined;
afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  await server?.close();
  server = undefined;
});

/** The console with the embedded workers and an assistant at `server` (none: no endpoint configured). */
async function open(
  opts: { behaviour?: Behaviour; readOnly?: boolean; config?: unknown; size?: number[] } = {},
) {
  server = opts.behaviour ? await startChatServer(opts.behaviour) : undefined;
  const env = server ? { INFRADECK_AI_BASE_URL: server.baseUrl, INFRADECK_AI_MODEL: 'test-model' } : {};
  // No keyring in tests: a local server wants no key.
  const noKeyring = async () => {
    throw new Error('no keyring here');
  };
  const assistant = deckAssistantFor(env, { lookUp: () => assistantSettings(env, { keyring: noKeyring }) });
  const workers = memoryDeckBus();
  bus = workers.bus;
  deck = await startDeck({
    bus: workers.deckBus,
    services: { assistant },
    size: { columns: opts.size?.[0] ?? 80, rows: opts.size?.[1] ?? 24 },
    readOnly: opts.readOnly,
    config: opts.config,
  });
  return deck;
}

/** The frame's rows joined back into one line: a wrapped message reads whole. */
const flat = (frame: string) =>
  frame
    .split('\n')
    .map((l) => l.trim())
    .join(' ');
const says = (text: string) => (frame: string) => flat(frame).includes(text);

async function palette(d: DeckSession, line: string) {
  await d.press(':');
  await d.type(line);
  await d.press('enter');
}

/** Every frame line fits 80 columns, and there are 24 of them. */
function fits(frame: string) {
  const lines = frame.split('\n');
  expect(lines).toHaveLength(24);
  for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
}

/** A job that fails after printing an AWS key and a token, under the cursor of the Jobs tab. */
async function failedJobWithSecrets(d: DeckSession) {
  const script = `echo "uploading with ${awsKey}"; echo "GITHUB_TOKEN=${token}"; echo "disk full" >&2; exit 3`;
  await d.store.getState().actions.jobs.run('sh', ['-c', script]);
  await palette(d, 'jobs');
  await d.waitFor(/failed/);
}

const proposing = (spec: object): Behaviour =>
  streams(['Free some space first.\n', '```json\n', `${JSON.stringify(spec)}\n`, '```\n']);

describe(':ask in the console', () => {
  it('shows the masked context before anything is sent, and sends exactly that on Enter', async () => {
    const d = await open({ behaviour: streams(['The disk ', 'is full.']) });
    await failedJobWithSecrets(d);
    await palette(d, 'ask why did it fail');
    const review = await d.waitFor('Nothing sent yet');
    fits(review);
    // How much was masked, and where it goes: whole at 80 columns.
    expect(review).toMatch(
      /Nothing sent yet · \d+ values? masked · goes to test-model at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(review).toContain('Assistant: why did it fail');
    expect(review).toContain('## Focused job');
    expect(review).toContain('Enter sends it');
    // The view's rows (the message line below may still hold the toast of `:run` itself).
    const shown = d.lines().slice(1, 22).join('\n');
    expect(shown).toContain('AKIA***');
    expect(shown).not.toContain(awsKey);
    expect(shown).not.toContain(token.slice(4));
    const context = d.store.getState().assistant.ask?.context?.text ?? '';
    expect(context).toContain('AKIA***');
    expect(context).toContain('GITHUB_TOKEN=***');
    expect(context).toContain('the row under the cursor on the Jobs tab');
    expect(server?.requests).toHaveLength(0);

    await d.press('enter');
    const answered = await d.waitFor('✓ answered');
    expect(answered).toContain('The disk is full.');
    fits(answered);
    expect(server?.requests).toHaveLength(1);
    const sent = server?.requests[0].body.messages?.map((m) => m.content).join('\n') ?? '';
    expect(sent).toContain('why did it fail');
    expect(sent).toContain('AKIA***');
    expect(sent).not.toContain(awsKey);
    expect(sent).not.toContain(token);
  });

  it('Esc on the review sends nothing', async () => {
    const d = await open({ behaviour: streams(['never asked']) });
    await palette(d, 'ask anything');
    await d.waitFor('Nothing sent yet');
    await d.press('esc');
    await d.waitFor((f) => !f.includes('Assistant:'));
    expect(server?.requests).toHaveLength(0);
  });

  it('streams the answer as it comes, and Esc stops it keeping what came', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const d = await open({
      behaviour: async (_req, res) => {
        sseHead(res);
        send(res, chunk('First half of the answer', null, true));
        await held;
        if (!res.destroyed) send(res, chunk(' and the rest.', 'stop'));
        res.end();
      },
    });
    await palette(d, 'ask what now');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    const streaming = await d.waitFor('First half of the answer');
    expect(streaming).toMatch(/answering… \d+ characters · Esc or Ctrl-C stops/);
    await d.press('esc');
    const stopped = await d.waitFor('you stopped the answer');
    expect(stopped).toContain('First half of the answer');
    expect(flat(stopped)).toContain('(the partial answer is kept)');
    expect(stopped).not.toContain('and the rest');
    fits(stopped);
    release();
    expect(d.store.getState().assistant.ask?.outcome).toBe('aborted');
  });

  it('Ctrl-C during the answer stops the answer, not the console', async () => {
    const d = await open({
      behaviour: (_req, res) => {
        sseHead(res);
        send(res, chunk('Thinking about it', null, true));
      },
    });
    await palette(d, 'ask slow question');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    await d.waitFor('Thinking about it');
    await d.press('ctrl-c');
    await d.waitFor('you stopped the answer');
    expect(d.store.getState().ui.quitting).toBe(false);
  });

  it('says when the stream is cut mid-answer, and keeps the partial answer', async () => {
    const d = await open({
      behaviour: (_req, res) => {
        sseHead(res);
        send(res, chunk('Half an answ', null, true));
        res.end();
      },
    });
    await palette(d, 'ask cut me off');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    const cut = await d.waitFor(says('ended the stream before the answer was finished after 12 characters'));
    expect(cut).toContain('Half an answ');
    expect(cut).toContain('✗ the assistant at http://127.0.0.1:');
    fits(cut);
  });

  it('says the endpoint is unreachable when nothing listens there', async () => {
    const d = await open({ behaviour: streams(['unused']) });
    await server?.close();
    await palette(d, 'ask hello');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    const f = await d.waitFor(says('is unreachable: connection refused (is the server running?)'));
    // The empty answer says how to go on: the question again, or the advisor.
    expect(flat(f)).toContain('No answer came');
    expect(flat(f)).toContain('`:` then ↑ recalls the question; `:advise` needs no endpoint');
  });

  it('without an endpoint, says how to configure one and offers :advise', async () => {
    const d = await open();
    await palette(d, 'ask is anything wrong');
    const f = await d.waitFor('No assistant endpoint');
    fits(f);
    const text = d.store.getState().assistant.ask?.configureHelp ?? '';
    for (const v of ['INFRADECK_AI_BASE_URL', 'INFRADECK_AI_MODEL', 'INFRADECK_AI_API_KEY', 'ollama'])
      expect(text).toContain(v);
    expect(f).toContain('no assistant endpoint is configured');
    expect(f).toContain('INFRADECK_AI_BASE_URL');
    expect(f).toContain('a opens :advise, the built-in rules advisor');
    await d.press('a');
    await d.waitFor(/Advice: (no findings|\d+ findings?)/);
  });

  it("? lists the Assistant's own keys, not the covered tab's, and closes back to the view", async () => {
    const d = await open({ behaviour: streams(['never asked']) });
    await palette(d, 'ask anything');
    await d.waitFor('Nothing sent yet');
    await d.resize(120, 60);
    await d.press('?');
    const help = await d.waitFor('Keys of this screen');
    expect(help).toMatch(/Enter +Send the question/);
    expect(help).toMatch(/Esc +Cancel/);
    expect(help).toMatch(/Tab n +The next proposed job/);
    expect(help).toMatch(/c +What was sent/);
    expect(help).toMatch(/a +Without an endpoint: :advise/);
    expect(help).toMatch(/w +Wrap/);
    // The Dashboard's keys, and the log keys the view does not have (search, sideways), are not listed; `q` closes
    // the view rather than quitting.
    expect(help).not.toMatch(
      /Open what the row names|Filter failures|\[log\.search\]|\[view\.scrollRight\]|\[app\.quit\]/,
    );
    await d.press('esc');
    await d.waitFor('Nothing sent yet');
    expect(server?.requests).toHaveLength(0);
  });

  it('shows a proposed job as a spec and queues it only after the confirmation', async () => {
    const spec = { kind: 'command', payload: { program: 'echo', args: ['cleaned'] } };
    const d = await open({ behaviour: proposing(spec) });
    await palette(d, 'ask how do I clean up');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    const f = await d.waitFor('Proposed job (command, changes things)');
    expect(f).toContain('{"kind":"command","payload":{"program":"echo","args":["cleaned"]}}');
    expect(await bus?.queue.list({})).toHaveLength(0);
    await d.press('enter');
    const confirm = await d.waitFor('Run the job the assistant proposes?');
    expect(confirm).toContain('y yes');
    expect(await bus?.queue.list({})).toHaveLength(0);
    await d.press('y');
    await d.waitFor(/✓ queued job \S+: /);
    const jobs = (await bus?.queue.list({})) ?? [];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'command', payload: expect.objectContaining({ program: 'echo' }) });
    // The view is still there under the confirmation, with the answer.
    expect(d.frame()).toContain('Free some space first.');
  });

  it('declining the confirmation queues nothing', async () => {
    const spec = { kind: 'command', payload: { program: 'echo', args: ['no'] } };
    const d = await open({ behaviour: proposing(spec) });
    await palette(d, 'ask propose something');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    await d.waitFor('Proposed job (command, changes things)');
    await d.press('enter');
    await d.waitFor('Run the job the assistant proposes?');
    await d.press('n');
    await d.waitFor('Proposed job (command, changes things)');
    expect(await bus?.queue.list({})).toHaveLength(0);
  });

  it('read-only, refuses a proposed job that changes things, and says so', async () => {
    const spec = { kind: 'command', payload: { program: 'rm', args: ['-rf', '/tmp/x'] } };
    const d = await open({ behaviour: proposing(spec), readOnly: true });
    await palette(d, 'ask clean up');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    await d.waitFor('Proposed job (command, changes things: refused read-only): rm');
    await d.press('enter');
    const refused = await d.waitFor('read-only: not run');
    expect(refused).not.toContain('Run the job the assistant proposes?');
    expect(await bus?.queue.list({})).toHaveLength(0);
  });

  it('names its keys as config.yaml binds them, in the footer and the status line', async () => {
    const d = await open({ behaviour: streams(['Answered.']), config: { keys: { 'assistant.send': 's' } } });
    await palette(d, 'ask anything');
    const f = await d.waitFor('Nothing sent yet');
    expect(flat(f)).toContain('s sends it · Esc cancels (nothing is sent)');
    expect(f).toMatch(/ s send {2}Esc cancel {2}j\/k scroll {2}w wrap/);
    expect(f).not.toContain('Enter');
    await d.press('s');
    await d.waitFor('✓ answered');
  });

  it('offers Enter only for a proposal that is a job', async () => {
    const d = await open({ behaviour: proposing({ kind: 'nosuch', payload: {} }) });
    await palette(d, 'ask propose something');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    const f = await d.waitFor('Proposed job is not usable');
    expect(f).toMatch(/ c context sent {2}Esc close {2}j\/k scroll {2}w wrap/);
    expect(f).not.toContain('run proposed job');
  });

  it('says a proposal is refused read-only where Enter is offered', async () => {
    const spec = { kind: 'command', payload: { program: 'rm', args: ['-rf', '/tmp/x'] } };
    const d = await open({ behaviour: proposing(spec), readOnly: true, size: [120, 30] });
    await palette(d, 'ask clean up');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    await d.waitFor('Enter run proposed job (refused read-only)');
  });

  it('keeps Tab for the next proposal, as ? lists it, also when there is only one: it never leaves the view', async () => {
    const spec = { kind: 'command', payload: { program: 'echo', args: ['one'] } };
    const d = await open({ behaviour: proposing(spec) });
    await palette(d, 'ask propose one');
    await d.waitFor('Nothing sent yet');
    await d.press('enter');
    await d.waitFor('Proposed job (command, changes things)');
    await d.press('tab', 'n');
    expect(d.frame()).toContain('Proposed job (command, changes things)');
    expect(d.store.getState().ui.tab).toBe('dashboard');
  });

  it('a tab key or :command naming the tab it covers shows that tab (the tab does not change, the view goes)', async () => {
    const d = await open();
    await palette(d, 'ask is anything wrong');
    await d.waitFor('No assistant endpoint');
    expect(d.store.getState().ui.tab).toBe('dashboard');
    await d.press('1');
    await d.waitFor((f) => !f.includes('No assistant endpoint'));
    await palette(d, 'ask again');
    await d.waitFor('No assistant endpoint');
    await palette(d, 'dashboard');
    await d.waitFor((f) => !f.includes('No assistant endpoint'));
    expect(d.store.getState().assistant.shown).toBe(null);
  });

  it('wraps the configuration help at 80 columns keeping each value under its description', async () => {
    const d = await open();
    await palette(d, 'ask is anything wrong');
    const f = await d.waitFor('No assistant endpoint');
    const lines = f.split('\n');
    const base = lines.findIndex((l) => l.includes('INFRADECK_AI_BASE_URL  an OpenAI'));
    expect(lines[base]).toMatch(/^ {3}INFRADECK_AI_BASE_URL {2}an OpenAI/);
    const column = lines[base].indexOf('an OpenAI');
    // Its continuation starts under `an OpenAI`, not at the margin.
    expect(lines[base + 1].slice(0, column).trim()).toBe('');
    expect(lines[base + 1].slice(column)).toMatch(/^\S/);
  });
});

describe('wrapIndented', () => {
  it('continues an indented line under its text, and a `TERM  what` line under the what', () => {
    expect(wrapIndented('  one two three four', 10)).toEqual(['  one two', '  three', '  four']);
    expect(wrapIndented('  KEY  the value is long', 14)).toEqual([
      '  KEY  the',
      '       value',
      '       is long',
    ]);
    expect(wrapIndented('plain words wrap as before', 12)).toEqual(['plain words', 'wrap as', 'before']);
  });
});
