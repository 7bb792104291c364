import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleCloud } from '../../src/consoleCloud';
import { consoleServers } from '../../src/consoleServers';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

let dir: string;
let server: Server;
let port: number;
let deck: DeckSession | undefined;
let bus: Bus | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-servers-'));
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  writeFileSync(
    join(dir, 'servers.yaml'),
    `servers:\n  - name: listening\n    host: 127.0.0.1\n    port: ${port}\n    user: ops\n    project: web\n  - name: closed\n    host: 127.0.0.1\n    port: 1\n`,
  );
});

afterEach(async () => {
  deck?.unmount();
  await bus?.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openServers(
  ran: Array<[string, string[]]> = [],
  run: (program: string, args: string[]) => Promise<number> = async () => 0,
) {
  const cloud = consoleCloud(dir, {});
  bus = openMemoryBus({
    handlers: jobHandlersFor({ cloud: cloud.provider, dataDir: dir }),
    requester: operator,
  });
  deck = await startDeck({
    bus: deckBusOf(bus, operator),
    services: { cloud: cloud.deckCloud, servers: consoleServers(dir, { HOME: dir }, 200) },
    size: { columns: 140, rows: 30 },
  });
  deck.deck.runInTerminal = async (program, args) => {
    ran.push([program, args]);
    return run(program, args);
  };
  await deck.store.getState().actions.cloud.connect({ demo: true });
  // The first scan fills the instances region by region: act on the table once it is whole.
  const session = deck;
  await session.waitFor(() =>
    [...session.store.getState().jobs.byId.values()].some(
      (j) => j.kind === 'scan' && j.status === 'completed',
    ),
  );
  await deck.press(':');
  await deck.type('servers');
  await deck.press('enter');
  return deck;
}

describe('the Servers screen', () => {
  it('probes the SSH port of each host: latency for a listening one, why not for a closed one', async () => {
    const d = await openServers();
    const f = await d.waitFor(/listening .*\d+ ms/);
    expect(f).toMatch(/closed +ssh +127\.0\.0\.1:1 +refused /);
    expect(f).toContain('DEMO: not probed');
    // A host's project is in PROJECT, and it has no region.
    expect(f).toMatch(/NAME +KIND +ADDRESS +STATE +REGION +SSH PORT +PROJECT /);
    expect(f).toMatch(new RegExp(`listening +ssh +127\\.0\\.0\\.1:${port} +\\d+ ms +web `));
    expect(f).toMatch(/ci-runner-1 +ec2 +— +running +ap-northeast-1 +not probed +ci /);
    // The cursor's row says the whole reason under the table.
    expect(f).toMatch(
      /listening 127\.0\.0\.1:\d+ answers in \d+ ms · s runs ssh -p \d+ -l ops -- 127\.0\.0\.1/,
    );
    await d.press('j');
    await d.waitFor(/closed: connection refused on port 1 \(nothing listens there\) · probed \d+s ago/);
  });

  it('hands the terminal to ssh with an argument array, and refuses a demo instance', async () => {
    const ran: Array<[string, string[]]> = [];
    const d = await openServers(ran);
    await d.waitFor('listening');
    await d.press('s');
    await expect.poll(() => ran.length).toBe(1);
    // ssh's own diagnostics go to a file (-E), read back when it fails; the rest is as servers.yaml says.
    const [program, args] = ran[0];
    expect([program, args[0]]).toEqual(['ssh', '-E']);
    expect(args.slice(2)).toEqual(['-p', String(port), '-l', 'ops', '--', '127.0.0.1']);
    await d.waitFor(/ci-runner/);
    await d.press('G', 's');
    await d.waitFor('no real host to ssh to');
    expect(ran).toHaveLength(1);
  });

  it('says why ssh failed, in ssh’s words, and keeps it in the messages', async () => {
    const d = await openServers([], async (_program, args) => {
      // What ssh appends to its -E file when the port is closed.
      appendFileSync(args[1], 'ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n');
      return 255;
    });
    await d.waitFor('closed');
    await d.press('j', 's');
    await d.waitFor('✗ ssh closed: Connection refused (127.0.0.1 port 1)');
    expect(d.store.getState().ui.messages.map((m) => m.text)).toContain(
      'ssh closed: Connection refused (127.0.0.1 port 1)',
    );
  });

  it('says the remote session’s exit status when that is what failed', async () => {
    const d = await openServers([], async (_program, args) => {
      appendFileSync(args[1], ''); // ssh opens its -E file as it starts, and said nothing
      return 3;
    });
    await d.waitFor('listening');
    await d.press('s');
    await d.waitFor('ssh listening: the remote session ended with exit status 3');
  });

  it('stops an instance after asking, as a job, and the table follows', async () => {
    const d = await openServers();
    await d.press('/');
    await d.type('running');
    await d.press('enter');
    const before = await d.waitFor(/ec2 .*running/);
    const name = /(\S+)\s+ec2 .*running/.exec(before)![1];
    await d.press('H');
    await d.waitFor('Stop 1 instance?');
    await d.press('y');
    await d.press('/', 'ctrl-u');
    await d.type(name);
    await d.press('enter');
    await d.waitFor(new RegExp(`${name}\\s+ec2\\s+—\\s+(stopping|stopped)`), 10_000);
  });
});
