import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/commands/plan';
import { deploymentsScreen } from '../../src/screens/deployments/DeploymentsScreen';
import { readStateFile } from '../../src/services/projects/stateFile';
import { Capture } from '../harness/capture';
import { confirmRows, confirmText } from '../harness/confirmBox';
import { type DeploymentsSession, exampleText, liveOf, rowOf, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;

afterEach(async () => {
  await session?.close();
  session = undefined;
});

describe('the Deployments screen', () => {
  it('lists every blueprint with its state; an invalid file is a row with its located error', async () => {
    session = await startDeployments();
    const { deck } = session;
    const f = await deck.waitFor('static-site');
    expect(rowOf(f, 'shop')).toMatch(/shop\s+-\s+ready\s+not deployed\s+eu-west-1/);
    expect(rowOf(f, 'analytics')).toMatch(/analytics\s+-\s+ready\s+not deployed\s+eu-central-1/);
    expect(rowOf(f, 'static-site')).toMatch(/static-site\s+!\s+-\s+ready/);
    expect(rowOf(f, 'broken')).toMatch(
      /broken\s+-\s+invalid\s+invalid\s+-\s+invalid: broken\.yaml:11:24: compute/,
    );
    await deck.press('j'); // analytics, then broken
    // Under the table, the whole error: file:line:col, path and message (on two lines if need be).
    const note = await deck.waitFor(`${join(session.projectsDir, 'broken.yaml')}:11:24:`);
    expect(note.replace(/\s+/g, ' ')).toContain(
      'compute.instances[0].type: "t9.huge" is not an instance type',
    );
    // The others keep working: the plan of the next one is there.
    await deck.press('j');
    await deck.waitFor('plan against the last scan: 12 to create, 0 unchanged');
  });

  it('p and D on an invalid blueprint at 80 columns say what and where on the message line, not `plan broken: …`', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck } = session;
    await deck.waitFor('static-site');
    deck.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await deck.press('g', 'j'); // analytics, then broken
    await deck.waitFor(/^> broken/m);
    await deck.press('p');
    const line = (await deck.waitFor(/^✗ broken\.yaml:/m)).split('\n').find((l) => l.startsWith('✗ '));
    expect(line).toMatch(/^✗ broken\.yaml:11:24: compute\.instances\[0\]\.type: "t9\.huge"/);
    // :messages keeps it whole, the path too, and what was refused.
    const said = deck.store.getState().ui.messages.at(-1)?.text;
    expect(said).toBe(
      `${join(session.projectsDir, 'broken.yaml')}:11:24: compute.instances[0].type: "t9.huge" is not an instance type (plan broken refused)`,
    );
    await deck.press('D');
    await expect
      .poll(() => deck.store.getState().ui.messages.at(-1)?.text)
      .toMatch(/\(deploy broken refused\)$/);
  });

  it('p shows the plan against the cloud and changes nothing', async () => {
    session = await startDeployments();
    const { deck, cloud, dataDir } = session;
    await deck.press('j', 'j', 'p'); // shop
    const f = await deck.waitFor(/Plan against the cloud at \d\d:\d\d:\d\d: 12 to create, 0 unchanged/);
    expect(f).toContain('shop · staging · eu-west-1 · owner web-team@example.com');
    expect(f).toMatch(/1\. \+ create vpc/);
    expect(f).toMatch(/2\. \+ create subnet public-a/);
    await deck.press('G'); // the resources, at the end of the page
    expect(await deck.waitFor('Resources (12):')).toMatch(/instances:web\s+-\s+not created/);
    expect(liveOf(cloud, 'shop')).toEqual([]);
    expect(existsSync(join(dataDir, 'state', 'shop.json'))).toBe(false);
    await deck.press('esc');
    await deck.waitFor('PROJECT');
  });

  it('D shows the plan, deploys after y with live progress, and the row ends done, provisioned, in sync', async () => {
    session = await startDeployments({ latencyScale: 0.4 });
    const { deck, cloud, dataDir } = session;
    await deck.press('j', 'j', 'D');
    const ask = await deck.waitFor('Deploy shop to eu-west-1? 12 to create, 0 unchanged');
    expect(ask).toMatch(/1\. \+ create vpc/);
    expect(ask).toContain('y yes');
    expect(liveOf(cloud, 'shop')).toEqual([]); // nothing before the answer
    await deck.press('y');
    const progress = await deck.waitFor((frame) =>
      /in_progress .*deploy \d+ ([1-9]|1[01])\/12/.test(rowOf(frame, 'shop')),
    );
    expect(rowOf(progress, 'shop')).toMatch(/shop\s+provision\s+in_progress/);
    const statuses = new Set<string>();
    const done = await deck.waitFor((frame) => {
      statuses.add(rowOf(frame, 'shop').split(/\s+/)[3]);
      return /done\s+in sync/.test(rowOf(frame, 'shop'));
    }, 15_000);
    // Never `error` on the way, not even between the job's end and the state file's next read.
    expect([...statuses].filter((s) => s !== 'in_progress' && s !== 'done')).toEqual([]);
    expect(rowOf(done, 'shop')).toMatch(/shop\s+provisioned\s+done\s+in sync\s+eu-west-1\s+deploy \d+ done/);
    expect(liveOf(cloud, 'shop')).toHaveLength(13);
    const state = await readStateFile(dataDir, 'shop');
    expect(state.ok && state.state?.resources).toHaveLength(13);

    await deck.press('enter');
    const details = await deck.waitFor('deployed shop: 13 created, 0 deleted');
    expect(details).toMatch(/Job \d+: deploy completed █+ 12\/12/);
    expect(details).toMatch(/\nPlan against .*: 12 unchanged \(in sync\)\n/);
    await deck.press('G');
    expect(await deck.waitFor('Resources (13):')).toMatch(/vpc\s+vpc-\w+\s+available\s+provisioned/);
  });

  it('r resumes a deploy that stopped half way: everything exists once', async () => {
    session = await startDeployments({ latencyScale: 1 });
    const { deck, cloud, bus } = session;
    await deck.press('j', 'j', 'D');
    await deck.waitFor('Deploy shop');
    await deck.press('y');
    // Stopped while the network is being made (the VPC exists): the servers, made last, do not exist yet.
    while (liveOf(cloud, 'shop').length < 1) await new Promise((r) => setTimeout(r, 2));
    const [job] = await bus.queue.list({ kind: 'deploy' });
    await bus.queue.cancel(job.id);
    const stopped = await deck.waitFor((frame) => /error\s+partial .*cancelled/.test(rowOf(frame, 'shop')));
    expect(rowOf(stopped, 'shop')).toMatch(/shop\s+provision\s+error\s+partial/);
    const before = liveOf(cloud, 'shop').length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(13);

    await deck.press('r');
    await deck.waitFor('Resume the deploy of shop?');
    await deck.press('y');
    const done = await deck.waitFor(
      (frame) => /done\s+in sync .*resume \d+ done/.test(rowOf(frame, 'shop')),
      15_000,
    );
    expect(rowOf(done, 'shop')).toMatch(/shop\s+provisioned\s+done\s+in sync/);
    const live = liveOf(cloud, 'shop');
    expect(live).toHaveLength(13);
    const { deployId } = job.payload as { deployId: string };
    expect(new Set(live.map((r) => r.tags['infradeck:deploy']))).toEqual(new Set([deployId]));
  });

  it('b rolls back the last deploy: what it created goes, nothing else', async () => {
    session = await startDeployments();
    const { deck, cloud, bus } = session;
    await deck.press('j', 'j', 'D');
    await deck.waitFor('Deploy shop');
    await deck.press('y');
    await deck.waitFor((frame) => /done\s+in sync/.test(rowOf(frame, 'shop')), 15_000);
    const [deploy] = await bus.queue.list({ kind: 'deploy' });
    const { deployId } = deploy.payload as { deployId: string };

    await deck.press('b');
    const ask = await deck.waitFor(`Roll back deploy ${deployId} of shop?`);
    expect(ask).toContain('13 resources in the state file');
    await deck.press('y');
    const f = await deck.waitFor(
      (frame) => /destroyed\s+done\s+not deployed/.test(rowOf(frame, 'shop')),
      15_000,
    );
    expect(rowOf(f, 'shop')).toMatch(/rollback \d+ done/);
    expect(liveOf(cloud, 'shop')).toEqual([]);
    const [rollback] = await bus.queue.list({ kind: 'destroy' });
    expect(rollback.payload).toMatchObject({ project: 'shop', rollbackOf: deployId });
  });

  it('b on a deploy whose resources vanished says each is in the state file only', async () => {
    session = await startDeployments({ files: { 'shop.yaml': exampleText('shop') } });
    const { deck, cloud } = session;
    const before = cloud.exportState();
    await deck.press('D');
    await deck.waitFor('Deploy shop');
    await deck.press('y');
    await deck.waitFor((frame) => /done\s+in sync/.test(rowOf(frame, 'shop')), 15_000);
    // The cloud as it was before the deploy: nothing of it exists any more.
    cloud.importState(before);
    await deck.press('b');
    const ask = confirmRows(await deck.waitFor('Roll back deploy'));
    const listed = ask.filter((l) => /^\d+\. /.test(l));
    expect(listed.length).toBeGreaterThan(0);
    for (const line of listed) expect(line).toMatch(/in the state file only\)$/);
    await deck.press('n');
  });

  it('X and b at 80x24 wrap what they say, the bucket option with its key; b lists in the order the job deletes', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck, bus } = session;
    await deck.press('D'); // analytics: servers, a network and two buckets
    await deck.waitFor('Deploy analytics');
    await deck.press('y');
    await deck.waitFor((frame) => /done\s+in sync/.test(rowOf(frame, 'analytics')), 15_000);

    // Every question names the account it acts on: at 3 a.m. prod and dev look alike.
    deck.store.setState((s) => ({
      cloud: { ...s.cloud, info: { kind: 'aws', label: 'AWS profile prod', account: '123456789012' } },
    }));
    await deck.press('X');
    const destroy = confirmText(await deck.waitFor('Destroy analytics? This cannot be undone.'));
    expect(destroy).toContain('In account 123456789012 (AWS profile prod).');
    expect(destroy).not.toContain('…');
    expect(destroy).toContain(
      '[ ] also delete every object in 2 buckets; without it a non-empty bucket stays (e toggles)',
    );
    await deck.press('esc');

    await deck.press('b');
    const frame = await deck.waitFor(/Roll back deploy \S+ of analytics\?/);
    for (const l of deck.lines()) expect(stringWidth(l), l).toBeLessThanOrEqual(80);
    const ask = confirmText(frame);
    expect(ask).toContain('In account 123456789012 (AWS profile prod).');
    expect(ask).not.toContain('…');
    expect(ask).toContain(
      'Deletes what that deploy created, dependants first (11 resources in the state file, and any resource tagged with that deploy',
    );
    const items = [...ask.matchAll(/(\d+)\. (\S+) (\S+)/g)].map(([, level, type, id]) => ({
      level: Number(level),
      type,
      id,
    }));
    expect(items.map((i) => i.type)).toEqual([
      ...Array(5).fill('instance'),
      'bucket',
      'bucket',
      'security-group',
      'subnet',
      'subnet',
      'vpc',
    ]);
    await deck.press('y');
    await deck.waitFor((f) => /destroyed\s+done\s+not deployed/.test(rowOf(f, 'analytics')), 15_000);
    // The job deletes a level only after the one before it: the first line naming each resource says when.
    const [rollback] = await bus.queue.list({ kind: 'destroy' });
    const log = (await bus.queue.logs(rollback.id)).map((l) => l.text);
    const when = (id: string) => log.findIndex((line) => line.includes(id));
    for (const a of items) {
      expect(when(a.id), a.id).toBeGreaterThan(-1);
      for (const b of items)
        if (a.level < b.level) expect(when(a.id), `${a.id} before ${b.id}`).toBeLessThan(when(b.id));
    }
  });

  it('a project whose blueprint was deleted keeps its row from the state file, and can still be destroyed', async () => {
    session = await startDeployments();
    const { deck, cloud, projectsDir } = session;
    await deck.press('j', 'j', 'D');
    await deck.waitFor('Deploy shop');
    await deck.press('y');
    await deck.waitFor((frame) => /done\s+in sync/.test(rowOf(frame, 'shop')), 15_000);

    rmSync(join(projectsDir, 'shop.yaml'));
    const f = await deck.waitFor((frame) => /no blueprint/.test(rowOf(frame, 'shop')));
    expect(rowOf(f, 'shop')).toMatch(/shop\s+provisioned\s+done\s+no blueprint\s+eu-west-1/);
    expect(f.replace(/\s+/g, ' ')).toContain('no blueprint named shop in');
    await deck.press('X');
    const ask = await deck.waitFor('Destroy shop? This cannot be undone.');
    expect(ask).toContain('Deletes 13 resources of shop in eu-west-1');
    await deck.press('y');
    await deck.waitFor((frame) => /destroyed\s+done/.test(rowOf(frame, 'shop')), 15_000);
    expect(liveOf(cloud, 'shop')).toEqual([]);
  });

  it('fits 80x24: the list, the details of the project :deployments NAME opens, a confirmation, a running log', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck } = session;
    const fits = (when: string) => {
      const lines = deck.lines();
      expect(lines.length, when).toBe(24);
      for (const l of lines) expect(stringWidth(l), `${when}: ${l}`).toBeLessThanOrEqual(80);
    };
    fits('list');
    // What `:deployments analytics` in the palette does.
    expect(deploymentsScreen.open?.(['analytics'], deck.store.getState().actions)).toBeUndefined();
    await deck.waitFor('analytics · dev · eu-central-1');
    fits('details');
    await deck.press('D');
    await deck.waitFor('Deploy analytics to eu-central-1?');
    fits('confirmation');
    await deck.press('y');
    await deck.waitFor(/Job \d+: deploy completed/, 15_000);
    fits('details with the job log');
    await deck.press('esc');
    await deck.waitFor('PROJECT');
  });

  it('the plan and the deploy question say a server count once', async () => {
    session = await startDeployments();
    const { deck } = session;
    await deck.press('p'); // analytics
    const plan = await deck.waitFor(/Plan against the cloud at .*: 8 to create/);
    expect(plan).toContain('3. + create 3 × c6i.large worker-a in work-a\n');
    expect(plan).not.toMatch(/×\d/);
    await deck.press('D');
    const ask = confirmText(await deck.waitFor('Deploy analytics to eu-central-1?'));
    expect(ask).toContain(
      '3. + create 3 × c6i.large worker-a in work-a 3. + create 2 × c6i.large worker-b in work-b',
    );
    expect(ask).not.toMatch(/×\d/);
    await deck.press('n');
  });

  it('details at 80x24 draw no footer of their own: the hint line shows their keys, ? lists them, w wraps', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck } = session;
    await deck.press('enter'); // analytics
    await deck.waitFor('analytics · dev · eu-central-1');
    const lines = deck.lines();
    expect(lines).toHaveLength(24);
    expect(lines.join('\n')).not.toContain('Esc back  j/k scroll');
    // The text reaches the console's hint line: its last row says what follows, the hint line the keys.
    expect(lines.at(-3)).toMatch(/^↓ more below · lines 1–20 of \d+ · j\/k scroll$/);
    expect(lines.at(-2)).toMatch(
      /^p plan {2}D deploy {2}X destroy {2}r resume {2}b rollback {2}Esc back {2}\? help/,
    );
    await deck.press('w');
    expect(await deck.waitFor('· wrapped · j/k scroll')).toContain('analytics · dev · eu-central-1');
    await deck.press('?');
    const help = await deck.waitFor('Deployments: project');
    for (const key of [
      'Plan against the cloud',
      'Deploy (shows the plan',
      'Roll back the last deploy',
      'Scroll down',
    ])
      expect(help).toContain(key);
    await deck.press('esc');
    await deck.press('esc');
    await deck.waitFor('PROJECT');
  });

  it('the details and infradeck plan show a plan in the same lines', async () => {
    session = await startDeployments({ size: { columns: 200, rows: 60 } });
    const { deck, cloud, dataDir, projectsDir } = session;
    await deck.press('j', 'j', 'D'); // shop
    await deck.waitFor('Deploy shop to eu-west-1?');
    await deck.press('y');
    await deck.waitFor((frame) => /done\s+in sync/.test(rowOf(frame, 'shop')), 15_000);
    const changed = exampleText('shop')
      .replace('type: t3.small', 'type: t3.medium')
      .replace('count: 2', 'count: 3')
      .replace('versioning: true', 'versioning: false');
    writeFileSync(join(projectsDir, 'shop.yaml'), changed);
    await deck.waitFor((frame) => /drifted/.test(rowOf(frame, 'shop')));
    await deck.press('p');
    const frame = await deck.waitFor(/Plan against the cloud at \d\d:\d\d:\d\d: /);
    const shown = frame.split('\n').map((l) => l.trimEnd());

    const out = new Capture();
    const code = await planCommand(['shop'], {
      stdout: out,
      stderr: new Capture(),
      env: { USER: 'alice', HOME: dataDir },
      workspace: { dataDir },
      cloud: { demo: true },
      openCloud: async () => ({ provider: cloud, identity: await cloud.identity(), demoReason: '--demo' }),
    });
    expect(code).toBe(0);
    const [headline, ...printed] = out.text.trimEnd().split('\n');
    expect(headline).toBe('1 to update, 1 to replace, 10 unchanged (drifted)');
    expect(printed).toEqual([
      '  ~ update bucket infradeck-demo-shop-images (versioning: true -> false)',
      '  1. ± replace 3 × t3.medium web in public-a: terminate 2 servers, launch 3',
    ]);
    expect(shown).toContain(`Plan ${frame.match(/against the cloud at \d\d:\d\d:\d\d/)?.[0]}: ${headline}`);
    for (const line of printed) expect(shown).toContain(line);
  });

  it('details at 80x24: the resources in aligned columns, the state never cut, and a note while more follow', async () => {
    session = await startDeployments({ size: { columns: 80, rows: 24 } });
    const { deck } = session;
    await deck.press('D'); // analytics
    await deck.waitFor('Deploy analytics to eu-central-1?');
    await deck.press('y');
    await deck.waitFor((frame) => /done\s+in sync/.test(rowOf(frame, 'analytics')), 15_000);
    await deck.press('enter');
    const top = await deck.waitFor(/Job \d+: deploy completed/);
    expect(top).toMatch(/\n↓ more below · lines 1–\d+ of \d+ · j\/k scroll\n/);
    await deck.press('G');
    const bottom = await deck.waitFor(/\n↑ more above · lines \d+–(\d+) of \1 · j\/k scroll\n/);
    const lines = bottom.split('\n');
    const resources = lines.slice(
      lines.indexOf('Resources (11):') + 1,
      lines.indexOf('Resources (11):') + 12,
    );
    expect(resources.map((l) => l.split(/\s+/)[1])).toEqual([
      'vpc',
      'subnet:work-a',
      'subnet:work-b',
      'security-group:workers',
      ...Array(3).fill('instances:worker-a'),
      ...Array(2).fill('instances:worker-b'),
      // A logical id too long for its column keeps its kind and its end.
      'bucket:infr…alytics-raw',
      'bucket:infr…ics-curated',
    ]);
    // Each column starts at the same place on every line; the buckets' state and lifecycle are whole.
    const starts = (l: string) => [...l.matchAll(/(?<=\s)\S/g)].map((m) => m.index);
    for (const l of resources) expect(starts(l), l).toEqual(starts(resources[0]));
    expect(resources[10]).toMatch(/ infradeck-demo-analytics-curated -\s+provisioned$/);
  });

  it('destroying a protected project needs its name typed', async () => {
    session = await startDeployments();
    const { deck, cloud } = session;
    await deck.press('G', 'D'); // static-site: deploying it deletes nothing, so y is enough
    await deck.waitFor('Deploy static-site');
    await deck.press('y');
    await deck.waitFor((frame) => /in sync/.test(rowOf(frame, 'static-site')));
    expect(liveOf(cloud, 'static-site')).toHaveLength(1);

    await deck.press('X');
    const ask = await deck.waitFor('Destroy static-site? This cannot be undone.');
    expect(ask).toMatch(/1\. bucket infradeck-demo-docs-site/);
    expect(ask).toContain('Type static-site and press Enter');
    await deck.press('y'); // not enough for a protected project
    // A key at a time: the confirmation's input reads its text as of the last frame.
    await deck.press(...'static');
    await deck.press('enter');
    await deck.waitFor('that is not "static-site"');
    expect(liveOf(cloud, 'static-site')).toHaveLength(1);
    await deck.press('ctrl-u');
    await deck.press(...'static-site');
    await deck.press('enter');
    const gone = await deck.waitFor((frame) =>
      /destroyed\s+done\s+not deployed/.test(rowOf(frame, 'static-site')),
    );
    expect(rowOf(gone, 'static-site')).toMatch(/destroy \d+ done/);
    expect(liveOf(cloud, 'static-site')).toEqual([]);
  });

  it('refuses to destroy in read-only mode, and the worker refuses a destroy marked read-only', async () => {
    session = await startDeployments({ readOnly: true });
    const { deck, bus } = session;
    await deck.press('j', 'j', 'X');
    await deck.waitFor('destroy shop: refused, infradeck runs read-only');
    await deck.press('D');
    await deck.waitFor('deploy shop: refused, infradeck runs read-only');
    expect(await bus.queue.list()).toEqual([]);
    // A new blueprint or an edit writes into projects/: refused too, before any form or editor opens.
    await deck.press('n');
    await deck.waitFor('new blueprint: refused, infradeck runs read-only');
    expect(deck.store.getState().projects.wizard).toBe(false);
    await deck.press('e');
    await deck.waitFor('edit shop: refused, infradeck runs read-only');

    // Another client that skipped its own check: the handler looks at the flag again.
    await bus.queue.enqueue({
      kind: 'destroy',
      payload: { project: 'shop', readOnly: true },
      requestedBy: { user: 'mallory', host: 'elsewhere' },
    } as never);
    const f = await deck.waitFor((frame) => /rejected/.test(rowOf(frame, 'shop')));
    expect(f).toMatch(/job \d+ failed: refused: destroy of shop: read-only mode/);
  });
});
