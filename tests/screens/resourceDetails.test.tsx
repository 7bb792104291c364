import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import type { Bus } from '../../src/services/bus/contracts';
import { startDemoConsole } from '../harness/demoConsole';
import { type DeckSession, startDeck } from '../harness/startDeck';

let dir: string;
let deck: DeckSession | undefined;
let bus: Bus | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-details-'));
});
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The Resources tab on the demo cloud, filtered to one instance and its details open. */
async function openInstance(name: string) {
  ({ deck, bus } = await startDemoConsole(dir, { size: { columns: 120, rows: 30 } }));
  await deck.press('3');
  await deck.waitFor(/\d{3} resources/, 10_000);
  await deck.press('/');
  await deck.type(name);
  await deck.press('enter', 'enter');
  await deck.waitFor('Related (');
  return deck;
}

const cursorLine = (frame: string) => frame.split('\n').find((l) => l.startsWith('> ')) ?? '';
const copied = (d: DeckSession) => {
  const m = /^\x1b\]52;c;([A-Za-z0-9+/=]*)\x07$/.exec(d.osc().at(-1) ?? '');
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : undefined;
};

describe("a resource's details", () => {
  it('open a related resource with Enter, and Esc comes back to the same line', async () => {
    const d = await openInstance('web-web-1');
    const instanceId = /^> ec2 (i-[0-9a-f]+)/.exec(cursorLine(d.frame()))?.[1];
    expect(instanceId).toBeDefined();
    await d.press('j');
    const related = /^>\s+(\w+) (\S+)/.exec(cursorLine(d.frame()));
    expect(related).not.toBeNull();
    const [, type, id] = related as RegExpExecArray;
    await d.press('enter');
    const opened = await d.waitFor(new RegExp(`^> ${type} ${id}`, 'm'));
    // The related resource's own related list names the instance it came from.
    expect(opened).toContain(instanceId);
    expect(d.store.getState().ui.views.resources).toHaveLength(2);
    await d.press('esc');
    await d.waitFor(new RegExp(`^ {2}ec2 ${instanceId}`, 'm'));
    expect(cursorLine(d.frame())).toContain(id);
    await d.press('esc');
    await d.waitFor('TYPE');
    expect(d.store.getState().ui.views.resources).toEqual([]);
  });

  it('copy the id of the line under the cursor with y, as OSC 52', async () => {
    const d = await openInstance('web-web-1');
    const instanceId = /^> ec2 (i-[0-9a-f]+)/.exec(cursorLine(d.frame()))?.[1];
    await d.press('y');
    expect(copied(d)).toBe(instanceId);
    await d.waitFor(`copied ${instanceId} to the clipboard`);
    await d.press('j');
    const relatedId = /^>\s+\w+ (\S+)/.exec(cursorLine(d.frame()))?.[1];
    await d.press('y');
    expect(copied(d)).toBe(relatedId);
  });

  it('describe the resource as YAML with d, and Enter on the resource itself does the same', async () => {
    const d = await openInstance('web-web-1');
    const instanceId = /^> ec2 (i-[0-9a-f]+)/.exec(cursorLine(d.frame()))?.[1];
    await d.press('d');
    const yaml = await d.waitFor(`describe ec2 ${instanceId}`);
    expect(yaml).toContain('type: instance');
    expect(yaml).toContain(`id: ${instanceId}`);
    expect(yaml).toMatch(/^attributes:$/m);
    expect(yaml).toMatch(/^ {2}InstanceType: \S+/m);
    expect(yaml).toMatch(/^ {2}infradeck:project: web$/m);
    await d.press('y');
    expect(copied(d)).toBe(instanceId);
    await d.press('esc');
    await d.waitFor('Related (');
    await d.press('enter');
    await d.waitFor(`describe ec2 ${instanceId}`);
  });

  it('name a bucket once: its name is its id, and neither its details nor its describe repeat it', async () => {
    const d = await openInstance('type:s3');
    const self = cursorLine(d.frame()).trimEnd();
    const id = /^> s3 (\S+)$/.exec(self)?.[1];
    expect(id, self).toBeDefined();
    await d.press('d');
    const yaml = await d.waitFor(`describe s3 ${id}`);
    expect(
      yaml
        .split('\n')
        .find((l) => l.includes(`describe s3 ${id}`))
        ?.trim(),
    ).toBe(`describe s3 ${id}`);
  });

  it('/ searches the YAML of describe, as ? there says; Esc clears the search, then goes back', async () => {
    const d = await openInstance('web-web-1');
    await d.press('d');
    await d.waitFor('describe ec2 ');
    // Search last: the hint line drops from the right when narrow, and back should stay longer. (The scan's
    // toast would hide the hints.)
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await d.waitFor((f) => f.split('\n').at(-2)?.includes('? help') ?? false);
    expect(d.lines().at(-2)).toMatch(/^y copy id {2}Esc back {2}\/ search {2}\? help/);
    await d.press('?');
    const help = await d.waitFor('Resources: describe');
    expect(help).toMatch(/n +Next match/);
    await d.press('esc');
    await d.waitFor((frame) => !frame.includes('Resources: describe'));
    await d.press('/');
    await d.type('infradeck:project');
    await d.press('enter');
    const found = await d.waitFor(/^\/infradeck:project +(search went round to the top · )?n next/m);
    // The match's line is in sight.
    expect(found).toMatch(/^ {2}infradeck:project: web$/m);
    await d.press('esc');
    await d.waitFor((frame) => !frame.includes('/infradeck:project'));
    expect(d.frame()).toContain('describe ec2 ');
    await d.press('esc');
    await d.waitFor('Related (');
  });

  it("open from the Dashboard: Enter on a resource.changed event shows that resource's details, Esc comes back", async () => {
    const d = await openInstance('web-web-1');
    await d.press('esc');
    await d.store.getState().actions.cloud.power('web', false);
    await d.press('1', '/');
    await d.type('type:resource.changed');
    await d.press('enter');
    await d.waitFor(/^> \d\d:\d\d:\d\d resource\.changed /m, 10_000);
    // Not the newest event: the cursor that comes back must be this one, not the top of the list.
    await d.press('j', 'j');
    const dash = d.frame();
    const row = cursorLine(dash);
    expect(row).toMatch(/^> \d\d:\d\d:\d\d resource\.changed \S+ +i-[0-9a-f]+ /);
    await d.press('enter');
    const details = await d.waitFor('Related (');
    expect(d.store.getState().ui.tab).toBe('resources');
    const [entry] = d.store.getState().ui.views.resources;
    expect(entry).toMatch(/^details:[a-z0-9-]+\/i-[0-9a-f]+$/);
    expect(details).toContain(entry.split('/')[1]);
    expect(row).toContain(entry.split('/')[1]);
    // A related resource opened from there: Esc goes back to the instance, then to the Dashboard, on the same row.
    await d.press('j', 'enter');
    await d.waitFor(() => d.store.getState().ui.views.resources?.length === 2);
    await d.press('esc');
    await d.waitFor(() => d.store.getState().ui.views.resources?.length === 1);
    expect(d.store.getState().ui.tab).toBe('resources');
    await d.press('esc');
    const back = await d.waitFor('Latest events');
    expect(d.store.getState().ui.tab).toBe('dashboard');
    expect(cursorLine(back)).toBe(row);
    // The Resources tab is its table again.
    await d.press('3');
    await d.waitFor('TYPE');
  });

  it('list in ? the keys that work there, and only those', async () => {
    const d = await openInstance('web-web-1');
    await d.press('?');
    const help = await d.waitFor('Resources: details');
    expect(help).toMatch(/Enter\s+Open the related resource/);
    expect(help).toMatch(/d\s+Describe as YAML/);
    expect(help).toMatch(/y\s+Copy the id or value/);
    expect(help).not.toContain('Delete the selected');
    expect(help).not.toContain('Select row');
    expect(help).not.toContain('Sort by');
  });
});

/** What a scan finds after a VPC, a subnet, a gateway and a key pair went: the resources that still name them. */
function orphans(): Resource[] {
  const base = {
    region: 'us-east-1',
    project: 'orphans',
    detail: '',
    tags: { 'infradeck:project': 'orphans' },
  };
  return [
    {
      ...base,
      type: 'instance',
      id: 'i-0orphan',
      name: 'orphan-1',
      state: 'running',
      refs: { vpc: 'vpc-0gone', subnet: 'subnet-0gone', securityGroups: ['sg-0here'], keyPair: 'gone-key' },
    },
    { ...base, type: 'security-group', id: 'sg-0here', name: 'still-here', refs: { vpc: 'vpc-0gone' } },
    {
      ...base,
      type: 'route-table',
      id: 'rtb-0orphan',
      name: 'orphan-rtb',
      refs: { vpc: 'vpc-0gone', subnets: ['subnet-0gone', 'subnet-0gone'], internetGateways: ['igw-0gone'] },
    },
  ];
}

/** The Resources tab holding `orphans()` (put in the index as a project look-up would), one's details open. */
async function openOrphan(name: string, size = { columns: 120, rows: 30 }) {
  deck = await startDeck({ size });
  deck.store.getState().actions.cloud.lookedUp('orphans', 'us-east-1', orphans());
  await deck.press('3', '/');
  await deck.type(name);
  await deck.press('enter', 'enter');
  await deck.waitFor('Related (');
  return deck;
}

/** The lines of the Related section, without the cursor mark. */
const relatedLines = (frame: string) => {
  const lines = frame.split('\n').map((l) => l.slice(2).trimEnd());
  const start = lines.findIndex((l) => l.startsWith('Related ('));
  return lines.slice(start, lines.indexOf('', start));
};

describe("a resource's details, with references the last scan did not find", () => {
  it('list each with what it is, marked as not in the last scan, after the related resources found', async () => {
    const d = await openOrphan('orphan-1');
    expect(relatedLines(d.frame())).toEqual([
      'Related (4, 3 not in the last scan):',
      '  sg sg-0here (still-here)',
      '  vpc vpc-0gone (not in the last scan)',
      '  subnet subnet-0gone (not in the last scan)',
      '  key gone-key (not in the last scan)',
    ]);
  });

  it("list a route table's gateway gone, and a subnet it names twice once", async () => {
    const d = await openOrphan('orphan-rtb');
    expect(relatedLines(d.frame())).toEqual([
      'Related (3, 3 not in the last scan):',
      '  vpc vpc-0gone (not in the last scan)',
      '  subnet subnet-0gone (not in the last scan)',
      '  igw igw-0gone (not in the last scan)',
    ]);
  });

  it('say so on Enter and d instead of doing nothing, and y still copies the id', async () => {
    const d = await openOrphan('orphan-1');
    await d.press('j', 'j');
    expect(cursorLine(d.frame())).toMatch(/^> {3}vpc vpc-0gone \(not in the last scan\)/);
    await d.press('enter');
    await d.toasted('vpc-0gone is not in the last scan: nothing to open');
    expect(d.store.getState().ui.views.resources).toHaveLength(1);
    d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await d.press('d');
    await d.toasted('vpc-0gone is not in the last scan: nothing to open');
    expect(d.store.getState().ui.views.resources).toHaveLength(1);
    await d.press('y');
    expect(copied(d)).toBe('vpc-0gone');
  });
});
