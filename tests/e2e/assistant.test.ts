import { afterEach, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer, streams } from '../ai/assistantServer';
import { hasTmux, startTmuxDeck, type TmuxDeck } from '../harness/tmuxDeck';

const columns = 80;
const rows = 24;
const awsKey = 'AKIAIOSFODNN7EXAMPLE';

let deck: TmuxDeck | undefined;
let server: ChatServer | undefined;
afterEach(async () => {
  deck?.close();
  deck = undefined;
  await server?.close();
  server = undefined;
});

/** The SGR parameter lists on a captured row: `1;36`, `32`, … */
const sgr = (row: string) => [...row.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]);
const colours = (params: string[]) =>
  params.flatMap((p) => p.split(';')).filter((n) => /^(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)$/.test(n));

const answer = [
  'The job printed a key and failed.\n',
  'Run this to see the disk:\n',
  '```json\n{"kind":"command","payload":{"program":"df","args":["-h"]}}\n```\n',
];

/**
 * In a real terminal: a failed job whose output holds an AWS key, `:ask` on it, the masked context, the answer
 * from the loopback server, the proposed job confirmed and queued.
 */
async function askAboutFailedJob(env: Record<string, string>) {
  server = await startChatServer(streams(answer));
  const d = startTmuxDeck(columns, rows, {
    REDIS_URL: '',
    INFRADECK_AI_BASE_URL: server.baseUrl,
    INFRADECK_AI_MODEL: 'test-model',
    INFRADECK_AI_API_KEY: 'sk-e2e-0123456789abcdefghij',
    ...env,
  });
  deck = d;
  const text = () => d.screen().join('\n');
  await d.until('the first frame', () => d.screen()[0].includes('1 Dash'));
  d.keys(':');
  d.tmux('send-keys', '-t', 'deck', '-l', `run sh -c "echo using ${awsKey}; exit 4"`);
  d.keys('Enter');
  // Its note, or already the failure that replaced it on the message line.
  await d.until('the job', () => text().includes('queued job') || text().includes('✗ job'));
  // Only the failed jobs: the DEMO cloud's first scan is a job too.
  d.keys(':');
  d.tmux('send-keys', '-t', 'deck', '-l', 'jobs failed');
  d.keys('Enter');
  await d.until('the failed job', () => d.screen().some((l) => /^> \S+ +command +failed /.test(l)), 15_000);
  d.keys(':');
  d.tmux('send-keys', '-t', 'deck', '-l', 'ask why did it fail');
  d.keys('Enter');
  await d.until('the context to review', () => text().includes('Nothing sent yet'));
  // The view's rows (the message line under it may still hold the toast of `:run` itself).
  const review = d.screen().slice(1, rows - 2);
  expect(review.join('\n')).toContain('## Focused job');
  expect(review.join('\n')).toContain('| using AKIA***');
  expect(review.join('\n')).not.toContain(awsKey);
  expect(server.requests).toHaveLength(0);
  d.keys('Enter');
  await d.until('the answer', () => text().includes('✓ answered'));
  expect(text()).toContain('The job printed a key and failed.');
  expect(text()).toContain('Proposed job (command, changes things): df -h');
  const sent = server.requests[0].body.messages?.map((m) => m.content).join('\n') ?? '';
  expect(sent).toContain('AKIA***');
  expect(sent).not.toContain(awsKey);
  expect(server.requests[0].headers.authorization).toBe('Bearer sk-e2e-0123456789abcdefghij');
  for (const line of d.screen()) expect(line.length).toBeLessThanOrEqual(columns);
  return d;
}

describe.skipIf(!hasTmux)(':ask in a terminal emulator (tmux)', () => {
  it('asks with the masked context, streams the answer and queues the proposed job once confirmed, in colour', async () => {
    const d = await askAboutFailedJob({ TERM: 'tmux-256color' });
    const coloured = d.screen(true);
    expect(coloured.find((l) => l.includes('✓ answered'))).toMatch(/\x1b\[[0-9;]*32m✓ answered/);
    expect(coloured.find((l) => l.includes('Assistant: why did it fail'))).toMatch(/\x1b\[[0-9;]*36m/);
    d.keys('Enter');
    await d.until('the confirmation', () =>
      d.screen().join('\n').includes('Run the job the assistant proposes?'),
    );
    d.keys('y');
    await d.until('the queued job', () => /✓ queued job \S+: df -h/.test(d.screen().join('\n')));
    d.keys('Escape');
    await d.until('the Jobs tab again', () => d.screen().some((l) => / df -h/.test(l)));
  });

  it('reads without colour under NO_COLOR', async () => {
    const d = await askAboutFailedJob({ TERM: 'xterm-256color', NO_COLOR: '1' });
    expect(d.screen(true).flatMap((row) => colours(sgr(row)))).toEqual([]);
    expect(d.screen().some((l) => l.includes('✓ answered'))).toBe(true);
  });
});
