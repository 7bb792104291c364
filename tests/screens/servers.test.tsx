import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleServers } from '../../src/consoleServers';
import type { Resource } from '../../src/domain/resource';
import type { Bus } from '../../src/services/bus/contracts';
import { startDemoConsole } from '../harness/demoConsole';
import type { DeckSession } from '../harness/startDeck';

let dir: string;
let server: Server;
let port: number;
let accepted: number;
let deck: DeckSession | undefined;
let bus: Bus | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-servers-'));
  accepted = 0;
  server = createServer((socket) => {
    accepted++;
    socket.end();
  });
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
  probeEveryMs = 200,
  { readOnly = false }: { readOnly?: boolean } = {},
) {
  ({ deck, bus } = await startDemoConsole(dir, {
    services: { servers: consoleServers(dir, { HOME: dir }, probeEveryMs) },
    size: { columns: 140, rows: 30 },
    readOnly,
  }));
  deck.deck.runInTerminal = async (program, args) => {
    ran.push([program, args]);
    return run(program, args);
  };
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

/** An instance of the example `analytics` project as its deploy leaves it (worker-a ×3, worker-b ×2). */
function analyticsWorker(group: 'a' | 'b', n: number): Resource {
  const name = `analytics-worker-${group}`;
  return {
    type: 'instance',
    id: `i-0${group === 'a' ? 'a' : 'b'}${n}00000000000000`,
    name,
    region: 'eu-central-1',
    state: 'running',
    project: 'analytics',
    detail: `c6i.large 10.30.${group === 'a' ? 0 : 16}.${10 + n}`,
    tags: { Name: name, 'infradeck:project': 'analytics' },
    refs: {},
  };
}

/** The instance jobs the console enqueued (start, stop, reboot). */
function instanceJobs(d: DeckSession) {
  return [...d.store.getState().jobs.byId.values()].filter((j) => j.kind === 'instances');
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
    // A DEMO instance has no address to probe: ADDRESS shows its id, SSH PORT a dash, the why is under the table.
    expect(f).toMatch(/ci-runner-1 +ec2 +i-[0-9a-f]{17} +running +ap-northeast-1 +— +ci /);
    // The cursor's row says the whole reason under the table.
    expect(f).toMatch(
      /listening 127\.0\.0\.1:\d+ answers in \d+ ms · s runs ssh -p \d+ -l ops -- 127\.0\.0\.1/,
    );
    await d.press('j');
    await d.waitFor(/closed: connection refused on port 1 \(nothing listens there\) · probed \d+s ago/);
  });

  it("shows a host's tags, what a batch's tags: selects on, and / finds a host by them", async () => {
    appendFileSync(
      join(dir, 'servers.yaml'),
      '  - name: tagged\n    host: 127.0.0.1\n    port: 1\n    tags: { role: web, env: prod }\n',
    );
    const d = await openServers();
    const f = await d.waitFor(/tagged +ssh /);
    expect(f).toMatch(/ PROJECT +TAGS /);
    expect(f).toMatch(/tagged +ssh +127\.0\.0\.1:1 .*role=web env=prod/);
    // An instance's Name and infradeck's own tags are in NAME and PROJECT already.
    expect(f).not.toMatch(/Name=|infradeck:project=/);
    await d.press('/');
    await d.type('role=web');
    await d.press('enter');
    await d.waitFor((frame) => /tagged +ssh/.test(frame) && !/listening +ssh/.test(frame));
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
    await d.waitFor(new RegExp(`${name}\\s+ec2\\s+i-\\S+\\s+(stopping|stopped)`), 10_000);
  });
  it('counts the age of the last probe up between probes; reading the list again does not probe again', async () => {
    const d = await openServers([], undefined, 60_000);
    await d.waitFor(/closed +ssh .* refused/);
    await d.press('j');
    // Under the table and in PROBED: the age moves on between two probes (a minute apart here).
    const f = await d.waitFor(
      /closed: connection refused on port 1 \(nothing listens there\) · probed [1-9]\d*s ago/,
    );
    expect(f).toMatch(/closed +ssh +127\.0\.0\.1:1 +refused .* [1-9]\d*s /);
    expect(accepted).toBe(1);
    // r reads servers.yaml again: the same addresses, so the probe goes on as it was; it says what it read.
    await d.press('r');
    await d.toasted('read servers.yaml: 2 hosts');
    await d.waitFor(() => !d.store.getState().servers.loading);
    await d.waitFor(/probed [1-9]\d*s ago/);
    await new Promise((r) => setTimeout(r, 300));
    expect(accepted).toBe(1);
  });

  it('at 80x24 the line above the table gives its parts whole, and the note under it the probe age whole', async () => {
    const d = await openServers();
    await d.waitFor(/listening .*\d+ ms/);
    await d.resize(80, 24);
    await d.press('j');
    const f = await d.waitFor(/closed: connection refused on port 1/);
    const lines = f.split('\n');
    const summary = lines.find((l) => l.includes('from servers.yaml')) ?? '';
    // Not `… · SSH port pro…`: each part whole or not there.
    expect(summary).not.toContain('…');
    expect(summary).toMatch(
      /^ \d+ hosts from servers\.yaml( · \d+ EC2 instances( \(DEMO: not probed\))?)?( · SSH port probed every 10 s)?$/,
    );
    // The note wraps to a second line rather than cutting how long ago the probe was.
    expect(f.replace(/\n\s*/g, ' ')).toMatch(
      /closed: connection refused on port 1 \(nothing listens there\) · probed \d+s ago/,
    );
  });

  it('tells the instances of a project apart by the end of their names at 80x24', async () => {
    const d = await openServers();
    d.store
      .getState()
      .actions.cloud.lookedUp('analytics', 'eu-central-1', [
        ...[1, 2, 3].map((n) => analyticsWorker('a', n)),
        ...[1, 2].map((n) => analyticsWorker('b', n)),
      ]);
    await d.waitFor(() => d.store.getState().servers.rows.some((r) => r.name === 'analytics-worker-b'));
    await d.resize(80, 24);
    const f = await d.waitFor(/analytic\S* +ec2 /);
    const names = f
      .split('\n')
      .map((line) => /^[ >●]+(analytic\S*) +ec2 /.exec(line)?.[1])
      .filter(Boolean);
    // Each keeps its distinguishing end, whole or with its middle left out.
    expect(names).toHaveLength(5);
    expect(names.filter((n) => n!.endsWith('worker-a'))).toHaveLength(3);
    expect(names.filter((n) => n!.endsWith('worker-b'))).toHaveLength(2);
  });

  it('tells instances of the same name apart at 80x24: one with no address to reach shows its id', async () => {
    const d = await openServers();
    d.store.getState().actions.cloud.lookedUp(
      'analytics',
      'eu-central-1',
      [1, 2, 3].map((n) => analyticsWorker('a', n)),
    );
    await d.waitFor(
      () => d.store.getState().servers.rows.filter((r) => r.name === 'analytics-worker-a').length === 3,
    );
    await d.resize(80, 24);
    const f = await d.waitFor(/analytics-worker-a +ec2 /);
    const rows = f.split('\n').filter((l) => /analytics-worker-a +ec2 /.test(l));
    expect(rows).toHaveLength(3);
    // Whole ids, one per row.
    const ids = rows.map((l) => /ec2 +(i-[0-9a-f]{17}) /.exec(l)?.[1]);
    expect(new Set(ids)).toEqual(
      new Set(['i-0a100000000000000', 'i-0a200000000000000', 'i-0a300000000000000']),
    );
  });

  it('lists the valid hosts of servers.yaml beside a bad entry and tells it once with its place; a file not YAML lists none', async () => {
    writeFileSync(
      join(dir, 'servers.yaml'),
      `servers:\n  - name: good\n    host: 127.0.0.1\n    port: ${port}\n  - name: bad\n    host: 127.0.0.1\n    port: many\n  - name: also-good\n    host: 127.0.0.1\n    port: 1\n`,
    );
    const d = await openServers();
    const f = await d.waitFor('2 hosts from servers.yaml (1 entry with a problem: :messages)');
    expect(f).toMatch(new RegExp(`good +ssh +127\\.0\\.0\\.1:${port} `));
    expect(f).toMatch(/also-good +ssh +127\.0\.0\.1:1 /);
    expect(f).not.toMatch(/\bbad +ssh/);
    expect(f).not.toContain('not read');
    const told = () =>
      d.store
        .getState()
        .ui.messages.filter((m) =>
          m.text.endsWith('servers.yaml:7:11: servers[1].port: expected a number, got "many"'),
        ).length;
    expect(told()).toBe(1);
    // A scan changes the resource index, and the list is read again: the same problem is not told again.
    await d.store.getState().actions.servers.refresh();
    expect(told()).toBe(1);
    // r is the user asking: it says it again (on the message line; `:messages` keeps one line for a problem told
    // twice within moments).
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await d.press('r');
    await d.toasted(/servers\.yaml:7:11: servers\[1\]\.port: expected a number, got "many"$/);
    // A file that is not YAML (a tab for indent) lists none of its hosts, and says it was not read.
    writeFileSync(
      join(dir, 'servers.yaml'),
      'servers:\n  - name: good\n    host: 127.0.0.1\n\t- name: tab\n    host: 127.0.0.1\n',
    );
    await d.press('r');
    const unread = await d.waitFor('servers.yaml not read (1 problem: :messages; r reads it again)');
    expect(unread).not.toMatch(/good +ssh/);
    expect(unread).not.toContain('hosts from servers.yaml');
  });

  it('starts only a stopped instance and stops or reboots only a running one: else says why, and asks nothing', async () => {
    const d = await openServers();
    await d.press('/');
    await d.type('running');
    await d.press('enter');
    const running = await d.waitFor(/ec2 .*running/);
    const name = /> (\S+)\s+ec2 .*running/.exec(running)![1];
    await d.press('U');
    await d.waitFor(`start: ${name} is running (only a stopped instance can be started)`);
    expect(d.store.getState().ui.overlay).toBeNull();
    await d.press('/', 'ctrl-u');
    await d.type('stopped');
    await d.press('enter');
    const stopped = await d.waitFor(/> \S+\s+ec2 .*stopped/);
    const other = /> (\S+)\s+ec2 .*stopped/.exec(stopped)![1];
    await d.press('B');
    await d.waitFor(`reboot: ${other} is stopped (only a running instance can be rebooted)`);
    await d.press('H');
    await d.waitFor(`stop: ${other} is stopped (only a running instance can be stopped)`);
    expect(d.store.getState().ui.overlay).toBeNull();
    expect(instanceJobs(d)).toEqual([]);
  });

  it('says which selected rows a power action leaves out, and why', async () => {
    const d = await openServers();
    await d.waitFor(/ci-runner-1 +ec2 +i-\S+ +running +ap-northeast-1/);
    // The two hosts of servers.yaml, then the first instance (ci-runner-1, running).
    await d.press('space', 'space', 'space');
    await d.press('H');
    const dialog = await d.waitFor('Stop 1 instance?');
    expect(dialog).toContain('2 selected rows are not instances (listening, closed): left out');
    expect(dialog).toMatch(/ci-runner-1 +i-\S+ +ap-northeast-1 +now running/);
    await d.press('n');
    // Nothing of the selection can be started: no dialog, the message says why for each.
    await d.press('U');
    await d.waitFor(
      'start: 2 selected rows are not instances (listening, closed); ci-runner-1 is running (only a stopped instance can be started)',
    );
    expect(d.store.getState().ui.overlay).toBeNull();
    expect(instanceJobs(d)).toEqual([]);
  });
  it('acts on a selection over several regions as one job per region', async () => {
    const d = await openServers();
    const running = d.store
      .getState()
      .cloud.index.all.filter((r) => r.type === 'instance' && r.state === 'running');
    const regions = [...new Set(running.map((r) => r.region))].slice(0, 2);
    expect(regions).toHaveLength(2);
    const picked = regions.map((region) => running.find((r) => r.region === region)!);
    await d.store.getState().actions.cloud.instanceAction('stop', picked);
    // A job shows from its first event; its payload is there once the queue has been read for it.
    await d.waitFor(() => instanceJobs(d).filter((j) => j.payload).length === 2);
    const payloads = instanceJobs(d).map((j) => j.payload as { region: string; ids: string[] });
    expect(payloads.map((p) => p.region).sort()).toEqual([...regions].sort());
    for (const p of payloads) expect(p.ids).toEqual([picked.find((r) => r.region === p.region)!.id]);
  });

  it('keeps the latency history when the tab is shown again', async () => {
    const d = await openServers();
    const reach = () => d.store.getState().servers.reach['host:listening'];
    await d.waitFor(() => (reach()?.samples.length ?? 0) >= 3);
    await d.press('1');
    const before = reach()!;
    await d.press('6');
    // Shown again, the tab probes at once: that probe is added to the sparkline, it does not start a new one.
    await d.waitFor(() => reach()!.last!.at !== before.last!.at);
    expect(reach()!.samples.length).toBeGreaterThan(before.samples.length);
  });

  it('refuses start, stop and reboot in read-only mode at once, asking nothing', async () => {
    const d = await openServers([], undefined, 200, { readOnly: true });
    await d.press('/');
    await d.type('running');
    await d.press('enter');
    await d.waitFor(/> \S+\s+ec2 .*running/);
    // As d and :power on Resources and D or X on Deployments: no question for a change that cannot happen.
    await d.press('H');
    await d.waitFor('stop: refused, infradeck runs read-only (--readonly)');
    expect(d.store.getState().ui.overlay).toBeNull();
    await d.press('B');
    await d.waitFor('reboot: refused, infradeck runs read-only (--readonly)');
    expect(d.store.getState().ui.overlay).toBeNull();
    await d.press('/', 'ctrl-u');
    await d.type('stopped');
    await d.press('enter');
    await d.waitFor(/> \S+\s+ec2 .*stopped/);
    await d.press('U');
    await d.waitFor('start: refused, infradeck runs read-only (--readonly)');
    expect(d.store.getState().ui.overlay).toBeNull();
    expect(instanceJobs(d)).toEqual([]);
  });

  it('names the account a start, stop or reboot acts on in its question', async () => {
    const d = await openServers();
    await d.press('/');
    await d.type('running');
    await d.press('enter');
    await d.waitFor(/> \S+\s+ec2 .*running/);
    await d.press('B');
    const dialog = await d.waitFor('Reboot 1 instance?');
    expect(dialog).toContain('In account 000000000000 (DEMO):');
    await d.press('n');
  });

  it('keeps every region whole at 60 columns: a long name loses its middle instead', async () => {
    const d = await openServers();
    // The scan's own look at eu-central-1 lands as an event, maybe after its job is seen done: it would replace the
    // instances put there below.
    await d.waitFor(() => d.store.getState().cloud.index.scan('eu-central-1') !== undefined);
    d.store
      .getState()
      .actions.cloud.lookedUp('analytics', 'eu-central-1', [
        analyticsWorker('a', 1),
        analyticsWorker('b', 1),
      ]);
    await d.waitFor(() => d.store.getState().servers.rows.some((r) => r.name === 'analytics-worker-b'));
    await d.resize(60, 20);
    await d.press('/');
    await d.type('region:ap-*');
    await d.press('enter');
    const f = await d.waitFor(/ap-(north|south)east-\d/);
    const rows = f.split('\n').filter((l) => / ec2 | i-0/.test(l) || /ap-/.test(l));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row).toMatch(/ap-(north|south)east-\d$/);
    await d.press('/', 'ctrl-u');
    await d.type('analytics');
    await d.press('enter');
    const names = (await d.waitFor(/analy\S* +i-0/))
      .split('\n')
      .map((l) => /^[ >●]+(analy\S*) +i-0/.exec(l)?.[1])
      .filter(Boolean);
    expect(names).toHaveLength(2);
    expect(names.map((n) => n!.slice(-1)).sort()).toEqual(['a', 'b']);
  });

  it('without servers.yaml says on the line above the table how to add hosts', async () => {
    rmSync(join(dir, 'servers.yaml'));
    const d = await openServers();
    const f = await d.waitFor(/[1-9]\d* EC2 instances/);
    expect(f).toMatch(
      /^ no hosts: add them to servers\.yaml \(servers: \[\{ name, host, port, user \}\]\) · \d+ EC2 instances/m,
    );
    expect(f).not.toContain('0 hosts from servers.yaml');
    // At 80 columns the file's shape gives way, never the count of instances.
    await d.resize(80, 24);
    await d.waitFor(/^ no hosts: add them to servers\.yaml · \d+ EC2 instances \(DEMO: not probed\)$/m);
  });
});
