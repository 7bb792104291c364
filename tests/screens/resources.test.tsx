import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleCloud } from '../../src/consoleCloud';
import { displayWidth } from '../../src/domain/text';
import { cloudCommands } from '../../src/screens/resources/cloudCommands';
import { resourcesScreen } from '../../src/screens/resources/ResourcesScreen';
import type { Bus } from '../../src/services/bus/contracts';
import { startDemoConsole } from '../harness/demoConsole';
import { operator } from '../harness/memoryDeckBus';
import type { DeckSession } from '../harness/startDeck';

let dir: string;
let deck: DeckSession | undefined;
let bus: Bus | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-resources-'));
});
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The console on the demo cloud, its jobs run in-process against the very same cloud. */
async function openResources(opts: { readOnly?: boolean; workerReadOnly?: boolean } = {}) {
  const cloud = consoleCloud(dir, {});
  ({ deck, bus } = await startDemoConsole(dir, {
    cloud,
    handlers: { readOnly: opts.workerReadOnly },
    commands: cloudCommands(cloud.deckCloud),
    size: { columns: 140, rows: 30 },
    readOnly: opts.readOnly,
  }));
  await deck.press('3');
  return deck;
}

describe('the Resources screen on the demo cloud', () => {
  it('fills from a scan job, is labelled DEMO, and narrows to a type with :sg and a project with p', async () => {
    const d = await openResources();
    const f = await d.waitFor(/\d{3} resources/, 10_000);
    expect(f).toContain('DEMO');
    expect(f).toMatch(/scanned (just now|\d+ s ago)/);
    await d.press(':');
    await d.type('sg');
    await d.press('enter');
    const sg = await d.waitFor(':sg');
    const rows = sg.split('\n').filter((l) => /^[> ] (\S+)\s+sg-/.test(l));
    expect(rows.length).toBeGreaterThan(3);
    expect(sg).not.toMatch(/^[> ] ec2 /m);
    await d.press('p');
    await d.waitFor(/project \w+/);
  });

  it('lists the regions in the AWS order, whichever scan answered first (the same on every launch)', async () => {
    const d = await openResources();
    const filled = await d.waitFor('7 scopes scanned', 10_000);
    // The table filled region by region above the first to answer: the cursor stayed on the top row.
    expect(filled.split('\n').find((l) => /^[> ] ec2 /.test(l))).toMatch(/^> ec2 .* us-east-1 /);
    await d.press(':');
    await d.type('subnet');
    await d.press('enter');
    await d.waitFor(':subnet');
    await d.resize(140, 100); // every subnet in view
    const f = await d.waitFor(/^[> ] subnet /m);
    // The demo answers as seen from Europe: eu-central-1 first, ap-northeast-1 last. The table does not follow.
    const regions = f
      .split('\n')
      .flatMap((line) => /^[> ] subnet .* ([a-z]{2}-[a-z]+-\d) /.exec(line)?.[1] ?? []);
    expect([...new Set(regions)]).toEqual([
      'us-east-1',
      'us-west-2',
      'ap-southeast-1',
      'ap-northeast-1',
      'eu-central-1',
      'eu-west-1',
    ]);
  });

  it('a rescan of two regions (as the scan-europe schedule does) leaves every row and the cursor where they were', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.press(':');
    await d.type('subnet');
    await d.press('enter');
    await d.waitFor(':subnet');
    await d.press('j', 'j');
    const rowsOf = (frame: string) => frame.split('\n').filter((l) => /^[> ] subnet /.test(l));
    const before = rowsOf(d.frame());
    expect(before[2]).toMatch(/^> /);
    // The regions at the top (the first two of the demo's six in the AWS order): the index puts a rescanned
    // region's resources last.
    const regions = ['us-east-1', 'us-west-2'];
    expect(before[0]).toContain(regions[0]);
    const scannedAt = () => d.store.getState().cloud.index.scan(regions[0])?.scannedAt ?? 0;
    const first = scannedAt();
    await bus!.queue.enqueue({
      kind: 'scan',
      payload: { regions, buckets: false },
      requestedBy: operator,
    });
    await expect
      .poll(async () => (await bus!.queue.list()).filter((j) => j.status === 'completed').length, {
        timeout: 10_000,
      })
      .toBe(2);
    await expect.poll(() => scannedAt() > first).toBe(true);
    await d.resize(140, 30); // the same size: a frame drawn from the rescanned index, no key pressed
    expect(rowsOf(d.frame())).toEqual(before);
  });

  it('a new view starts at its top: :subnet after scrolling down the whole list shows the first subnet, cursor on it', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.resize(80, 24);
    for (let i = 0; i < 30; i++) await d.press('j');
    for (let i = 0; i < 16; i++) await d.press('k');
    // The cursor is on a subnet at the top of the window: the rows above it are scrolled out.
    expect(d.lines().find((l) => l.startsWith('> '))).toMatch(/^> subnet /);
    await d.press(':');
    await d.type('subnet');
    await d.press('enter');
    const f = await d.waitFor(':subnet');
    const rows = f.split('\n').filter((l) => /^[> ] subnet /.test(l));
    expect(rows[0]).toMatch(/^> subnet /);
    expect(rows.length).toBeGreaterThan(10);
  });

  it('counts what a / filter shows in the header: N of 325 resources', async () => {
    const d = await openResources();
    await d.waitFor(/^ 325 resources · all types/m, 10_000);
    await d.press('/');
    await d.type('legacy-1');
    await d.press('enter');
    const f = await d.waitFor(/^ \d+ of 325 resources · all types/m);
    const shown = f.split('\n').filter((l) => /^[> ] \w+ +\S+ +legacy-1/.test(l)).length;
    expect(shown).toBeGreaterThan(0);
    expect(f).toMatch(new RegExp(`^ ${shown} of 325 resources · all types · DEMO 000000000000 · `, 'm'));
    // At 80 columns the line keeps how fresh the scans are: the account, which the status bar shows, goes when
    // the line is too long (`scanned 1 s ago` leaves it exactly 80 columns, room for the account too).
    await d.resize(80, 24);
    await d.press('/');
    await d.type('!legacy-1'); // a kept filter comes back selected: typing replaces it
    await d.press('enter');
    const narrow = await d.waitFor(/^ \d{3} of 325 resources/m);
    const line = narrow.split('\n')[1].trimEnd();
    expect(line).toMatch(
      /^ \d{3} of 325 resources · all types( · DEMO 000000000000)? · 7 scopes scanned (just now|\d+ s ago)( +\d+\/\d+)?$/,
    );
    expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('shows every subnet id whole at 120 columns, where the detail column has the room', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.resize(120, 30);
    await d.press('/');
    await d.type('type:subnet');
    await d.press('enter');
    const f = await d.waitFor(/^ \d+ of 325 resources/m);
    const rows = f.split('\n').filter((l) => /^[> ] subnet /.test(l));
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row).toMatch(/ subnet-[0-9a-f]{17} /);
  });

  it(':s3 at 80 columns shows each bucket once, its whole name as its id, with its region and project', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    const buckets = d.store
      .getState()
      .cloud.index.query({ type: 'bucket' })
      .map((b) => b.id);
    expect(buckets.length).toBeGreaterThan(10);
    await d.resize(80, 24);
    await d.press(':');
    await d.type('s3');
    await d.press('enter');
    const f = await d.waitFor(/^ 24 resources · :s3/m);
    // A bucket has no name but its id and no state: neither column is there to repeat it or stay blank.
    expect(f).toMatch(/^ {2}TYPE ID +REGION +PROJECT/m);
    const rows = f.split('\n').filter((l) => /^[> ] s3 /.test(l));
    expect(rows.length).toBe(19); // the rows 24 lines have room for
    for (const row of rows) {
      const id = /^[> ] s3 +(\S+) /.exec(row)?.[1];
      expect(buckets).toContain(id);
      expect(row.split(id ?? '').length).toBe(2);
    }
  });

  it('cuts no name to one another has, and shows the detail only beside whole ids, never an address cut short', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    const index = d.store.getState().cloud.index;
    await d.press('/');
    await d.type('data-warehouse');
    await d.press('enter');
    await d.resize(80, 40);
    const f = await d.waitFor(/^ \d+ of 325 resources/m);
    const names = f
      .split('\n')
      .filter((l) => /^[> ] ebs /.test(l))
      .map((l) => /^[> ] ebs +\S+ +(\S+) /.exec(l)?.[1] ?? '');
    const whole = new Set(
      index.query({ type: 'volume' }).flatMap((v) => (v.name?.includes('data-warehouse') ? [v.name] : [])),
    );
    // Each cut name keeps its end: as many names shown as there are, none shown for two.
    expect(whole.size).toBeGreaterThan(2);
    expect(names.length).toBeGreaterThanOrEqual(whole.size);
    expect(new Set(names).size).toBe(whole.size);

    await d.press('esc');
    let withDetail = 0;
    for (let width = 96; width <= 124; width += 4) {
      await d.resize(width, 40);
      const frame = await d.waitFor((f) => f.split('\n')[0].length <= width && /^ {2}TYPE /m.test(f));
      const header = frame.split('\n').find((l) => /^ {2}TYPE /.test(l)) ?? '';
      const at = header.indexOf(' DETAIL') + 1;
      if (at === 0) continue;
      withDetail++;
      for (const line of frame.split('\n').filter((l) => /^[> ] [a-z0-9]+ /.test(l))) {
        const id = line.split(/ +/)[2];
        const r = index.all.find((x) => x.id === id);
        // The id whole, and the detail whole or cut between two words or in a word without digits (`p…`).
        expect(r, `at ${width}: ${line}`).toBeDefined();
        const detail = r?.detail ?? '';
        const shown = line.slice(at).replace(/…$/, '').trimEnd();
        expect(detail.startsWith(shown), `at ${width}: ${line}`).toBe(true);
        const cutWord = detail.slice(shown.lastIndexOf(' ') + 1).split(' ')[0];
        if (detail !== shown && detail[shown.length] !== ' ')
          expect(cutWord, `at ${width}: ${line}`).not.toMatch(/\d/);
      }
    }
    expect(withDetail).toBeGreaterThan(2);
  });

  it(':ec2 web shows the instances of project web, as :resources ec2 web does', async () => {
    const d = await openResources();
    await d.waitFor(/\d{3} resources/, 10_000);
    await d.press(':');
    await d.type('ec2 web');
    await d.press('enter');
    await d.waitFor(() => d.store.getState().cloud.view.project === 'web');
    expect(d.store.getState().cloud.view.type).toBe('instance');
    await d.press(':');
    await d.type('ec2 web shop');
    await d.press('enter');
    await d.waitFor(':ec2 takes one project at most');
  });

  it('shows attributes, tags and related resources of an instance', async () => {
    const d = await openResources();
    await d.waitFor(/\d{3} resources/, 10_000);
    await d.press(':');
    await d.type('ec2');
    await d.press('enter', '/');
    await d.type('web-web-1');
    await d.press('enter', 'enter');
    const f = await d.waitFor('Related (');
    expect(f).toMatch(/vpc vpc-/);
    expect(f).toMatch(/subnet subnet-/);
    expect(f).toMatch(/sg sg-/);
    expect(f).toContain('infradeck:project = web');
    expect(f).toContain('InstanceType:');
  });

  it('deletes a selection in dependency order after the count is typed, and the rows go', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.press('/');
    await d.type('legacy-1');
    await d.press('enter');
    await d.waitFor(/ec2\s+i-\S+\s+legacy-1/);
    const shown = d.lines().filter((l) => /legacy-1/.test(l)).length;
    await d.press('ctrl-a', 'd');
    const confirm = await d.waitFor(`Type ${shown} and press Enter`);
    // The account it acts on is named: at 3 a.m. prod and dev look alike.
    expect(confirm).toContain('In account 000000000000 (DEMO) · projects: (no project tag).');
    expect(confirm).toMatch(/1\. ec2 i-/); // instances go first, their volumes after
    expect(confirm).toMatch(/2\. ebs vol-/);
    await d.type('999');
    await d.press('enter');
    await d.waitFor('that is not');
    await d.press('ctrl-u');
    await d.type(String(shown));
    await d.press('enter');
    await d.waitFor(new RegExp(`delete ${shown} resources: job \\S+ queued`));
    await d.waitFor((f) => !/legacy-1-root/.test(f) && !/legacy-1\s+\S+\s+(running|stopped)/.test(f), 15_000);
    expect(d.frame()).toMatch(/legacy-1\s+\S+\s+terminat/);
    await expect
      .poll(async () => (await bus!.queue.list()).find((j) => j.kind === 'terminate')?.status, {
        timeout: 15_000,
      })
      .toBe('completed');
  });

  it('says "delete 1 resource" (not "1 resources") when one row goes', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.press('/');
    await d.type('name:legacy-2');
    await d.press('enter');
    await d.waitFor(/ec2\s+i-\S+\s+legacy-2/);
    await d.press('d');
    await d.waitFor('Type 1 and press Enter');
    await d.type('1');
    await d.press('enter');
    const f = await d.waitFor(/delete 1 resource: job \S+ queued/);
    expect(f).not.toContain('1 resources');
  });

  it('at 80x24 the delete of everything keeps its option with its key and its answer, and scrolls the list', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.resize(80, 24);
    await d.press('ctrl-a', 'd');
    const f = await d.waitFor(/↓ more below · lines 1–\d+ of \d+ · ↑\/↓ PgUp\/PgDn scroll/);
    const rows = f.split('\n').filter((l) => /^\s*│ .* │$/.test(l));
    const said = rows
      .map((l) =>
        l
          .replace(/^\s*│ /, '')
          .replace(/ │$/, '')
          .trim(),
      )
      .join(' ');
    expect(said).toContain('without it a non-empty bucket stays (Ctrl-E toggles)');
    expect(said).toMatch(/Type \d+ and press Enter to go ahead · Esc cancels/);
    expect(d.lines()).toHaveLength(24);
    const firstItem = rows.find((l) => /│ 1\. ec2 /.test(l));
    await d.press('pgdn');
    const next = await d.waitFor(/↑↓ more above and below · lines (?!1–)\d+–\d+ of/);
    expect(next).not.toContain(firstItem);
    expect(next).toContain('(Ctrl-E toggles)');
    await d.press('esc');
    await d.waitFor((frame) => !frame.includes('PgUp/PgDn scroll'));
    expect((await bus!.queue.list()).filter((j) => j.kind === 'terminate')).toHaveLength(0);
  });

  it('refuses a delete in read-only mode at once, with no word to type first', async () => {
    const d = await openResources({ readOnly: true, workerReadOnly: true });
    await d.waitFor(/\d{3} resources/, 10_000);
    await d.press('d');
    const f = await d.waitFor('delete: refused, infradeck runs read-only (--readonly)');
    expect(f).not.toContain('This cannot be undone');
    expect(f).not.toMatch(/Type \S+ and press Enter/);
    expect((await bus!.queue.list()).filter((j) => j.kind === 'terminate')).toHaveLength(0);
  });

  it('refuses :power in read-only mode at once, asking nothing', async () => {
    const d = await openResources({ readOnly: true, workerReadOnly: true });
    await d.waitFor(/\d{3} resources/, 10_000);
    await d.press(':');
    await d.type('power web on');
    await d.press('enter');
    const f = await d.waitFor('power on web: refused, infradeck runs read-only (--readonly)');
    expect(f).not.toContain('Power on project web?');
    expect((await bus!.queue.list()).filter((j) => j.kind === 'power')).toHaveLength(0);
  });

  it('powers a project off as one confirmed job', async () => {
    const d = await openResources();
    await d.waitFor(/\d{3} resources/, 10_000);
    await d.press(':');
    await d.type('power web off');
    await d.press('enter');
    const ask = await d.waitFor('Power off project web?');
    // Which account, and how many instances the last scan shows to stop, region by region.
    expect(ask).toContain('in account 000000000000 (DEMO).');
    const running = d.store
      .getState()
      .cloud.index.query({ type: 'instance' })
      .filter((r) => r.project === 'web' && r.state === 'running');
    expect(ask).toMatch(
      new RegExp(`The last scan shows ${running.length} running instances? of web to stop \\(`),
    );
    await d.press('y');
    await d.waitFor(/power off web: job \S+ queued/);
    await d.press(':');
    await d.type('ec2');
    await d.press('enter', '/');
    await d.type('web-web');
    await d.press('enter');
    await d.waitFor((f) => /web-web/.test(f) && !/web-web-\d+\s+\S+\s+running/.test(f), 15_000);
  });
});

describe(':project in the palette', () => {
  it('completes the projects the last scan found, and all', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    const projects = d.store.getState().cloud.index.projects();
    expect(projects).toContain('web');
    await d.press(':');
    await d.type('project w');
    await d.press('tab');
    await d.waitFor(/^:project web /m);
    await d.press('enter');
    await d.waitFor(/resources · all types · project web/);
  });
});

describe(':resources in the palette', () => {
  it('lists and completes the resource types', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.press('1');
    await d.press(':');
    await d.type('resources s');
    // The types starting with s are listed under the synopsis; Tab goes as far as they agree.
    const listed = await d.waitFor(/^ {3}subnet$/m);
    expect(listed).toMatch(/^ {3}sg$/m);
    expect(listed).toMatch(/^ {3}s3$/m);
    await d.type('u');
    await d.press('tab');
    await d.waitFor(/^:resources subnet /m);
    await d.press('enter');
    await d.waitFor(/\d+ resources · :subnet/);
  });

  it('completes the projects of the last scan as the second word, once the palette says which word it is', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    const state = d.store.getState();
    expect(resourcesScreen.complete!('', state, ['ec2'])).toEqual(state.cloud.index.projects());
    expect(resourcesScreen.complete!('', state, [])).toContain('subnet');
  });
});

describe('the line above the Resources table', () => {
  it('at 60 columns gives its parts whole: all types goes before the age of the scans is cut', async () => {
    const d = await openResources();
    await d.waitFor('7 scopes scanned', 10_000);
    await d.resize(60, 20);
    await d.press('/');
    await d.type('region:ap-*');
    await d.press('enter');
    const f = await d.waitFor(/\d+ of \d+ resources/, 10_000);
    const summary = f.split('\n').find((l) => /of \d+ resources/.test(l)) ?? '';
    expect(summary).not.toContain('…');
    // `all types` stays when the age is short enough to leave it room (`5 s ago`), never cut.
    expect(summary).toMatch(
      /^ \d+ of \d+ resources( · all types)? · 7 scopes scanned (just now|\d+ (s|min) ago)$/,
    );
  });
});
