import { afterEach, describe, expect, it } from 'vitest';
import { actionLevels, planDeploy } from '../../src/domain/plan';
import { planLines } from '../../src/domain/planLines';
import { type Resource, ResourceIndex } from '../../src/domain/resource';
import { deployProject } from '../../src/services/projects/deployProject';
import { planFromCloud } from '../../src/services/projects/planFromCloud';
import { readStateFile } from '../../src/services/projects/stateFile';
import { recordedJob } from './fakeJob';
import { deployPayload, quickCloud, shopBlueprint, tempDataDir } from './helpers';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** The shop deployed on a fresh demo cloud: what exists, and the state file the deploy wrote. */
async function deployedShop() {
  const cloud = quickCloud();
  const data = tempDataDir();
  cleanup.push(data.remove);
  const shop = shopBlueprint();
  await deployProject(deployPayload(shop), recordedJob(), { cloud, dataDir: data.dir });
  const read = await readStateFile(data.dir, 'shop');
  if (!read.ok || !read.state) throw new Error('no state file after the deploy');
  return { cloud, state: read.state, resources: cloud.snapshot() };
}

function keys(plan: ReturnType<typeof planDeploy>): string[] {
  return plan.actions.map((a) => a.key);
}

/** A security group tagged with the project by hand: the plan reports it and leaves it alone. */
const stray: Resource = {
  type: 'security-group',
  id: 'sg-0hand0made0000000',
  region: 'eu-west-1',
  detail: '',
  tags: { 'infradeck:project': 'shop' },
  refs: {},
};

describe('a blueprint never deployed', () => {
  it('is all creates, each after what it needs', () => {
    const cloud = quickCloud();
    const plan = planDeploy({ blueprint: shopBlueprint().blueprint, resources: cloud.snapshot() });
    expect(plan.sync).toBe('not deployed');
    expect(plan.summary).toMatchObject({ create: 12, update: 0, replace: 0, delete: 0, unchanged: 0 });
    const seen = new Set<string>();
    for (const a of plan.actions) {
      for (const before of a.after) expect(seen.has(before), `${a.key} comes after ${before}`).toBe(true);
      seen.add(a.key);
    }
    expect(actionLevels(plan.actions).map((level) => level.map((a) => a.logicalId))).toEqual([
      ['vpc', 'bucket:infradeck-demo-shop-images'],
      ['subnet:public-a', 'subnet:public-b', 'subnet:private-a', 'internet-gateway', 'security-group:web'],
      ['security-group:db', 'route-table:public-a', 'route-table:public-b'],
      ['instances:web', 'instances:db'],
    ]);
    expect(plan.actions.find((a) => a.logicalId === 'instances:web')).toMatchObject({
      kind: 'create',
      count: 2,
    });
  });
});

describe('a deployed blueprint', () => {
  it('is in sync with what the deploy made: nothing to do', async () => {
    const { resources, state } = await deployedShop();
    const plan = planDeploy({ blueprint: shopBlueprint().blueprint, resources, state });
    expect(plan.sync).toBe('in sync');
    expect(plan.actions).toEqual([]);
    expect(plan.unchanged).toHaveLength(12);
    expect(plan.existing['instances:web']).toHaveLength(2);
  });

  it('reads the whole resource index and finds only its own resources in it', async () => {
    const { resources, state } = await deployedShop();
    const index = ResourceIndex.fromScans([{ account: 'x', region: 'eu-west-1', scannedAt: 0, resources }]);
    const plan = planDeploy({ blueprint: shopBlueprint().blueprint, resources: index.all, state });
    expect(plan.sync).toBe('in sync');
    expect(plan.unmanaged).toEqual([]);
  });

  it('is partial when some of it is missing, and plans only what is missing', async () => {
    const { resources, state } = await deployedShop();
    const gone = new Set(['route-table:public-b', 'instances:db']);
    const left = resources.filter((r) => !gone.has(r.tags['infradeck:logical-id']));
    const plan = planDeploy({ blueprint: shopBlueprint().blueprint, resources: left, state });
    expect(plan.sync).toBe('partial');
    expect(keys(plan)).toEqual(['create:route-table:public-b', 'create:instances:db']);
    expect(plan.vanished.map((v) => v.logicalId).sort()).toEqual(['instances:db', 'route-table:public-b']);
  });

  it('is drifted when a server setting changed: those servers are replaced', async () => {
    const { resources, state } = await deployedShop();
    const { blueprint } = shopBlueprint(['type: t3.small', 'type: t3.medium']);
    const plan = planDeploy({ blueprint, resources, state });
    expect(plan.sync).toBe('drifted');
    const replace = plan.actions.find((a) => a.kind === 'replace');
    expect(replace).toMatchObject({ logicalId: 'instances:web', count: 2 });
    expect(replace?.existing).toHaveLength(2);
    expect(replace?.changes).toEqual([{ field: 'type', from: 't3.small', to: 't3.medium' }]);
    expect(replace?.title).toBe('2 × t3.medium web in public-a: terminate 2 servers, launch 2');
    expect(plan.blockers).toEqual([]);
  });

  it('a replacement says how many servers it launches when the count changes with it', async () => {
    const { resources, state } = await deployedShop();
    const grow = shopBlueprint(['type: t3.small', 'type: t3.medium'], ['count: 2', 'count: 3']).blueprint;
    expect(planDeploy({ blueprint: grow, resources, state }).actions).toMatchObject([
      { kind: 'replace', count: 3, title: '3 × t3.medium web in public-a: terminate 2 servers, launch 3' },
    ]);
    const shrink = shopBlueprint(['type: t3.small', 'type: t3.medium'], ['count: 2', 'count: 1']).blueprint;
    expect(planDeploy({ blueprint: shrink, resources, state }).actions).toMatchObject([
      { kind: 'replace', count: 1, title: '1 × t3.medium web in public-a: terminate 2 servers, launch 1' },
    ]);
    // One server: the count decides the word, never `server(s)`.
    const db = shopBlueprint(['type: r6g.large', 'type: r6g.xlarge']).blueprint;
    expect(planDeploy({ blueprint: db, resources, state }).actions).toMatchObject([
      { kind: 'replace', count: 1, title: expect.stringMatching(/: terminate 1 server, launch 1$/) },
    ]);
  });

  it('user data changes are seen through the spec tag (EC2 does not give user data back)', async () => {
    const { resources, state } = await deployedShop();
    const { blueprint } = shopBlueprint(['enable --now nginx', 'enable --now nginx && echo hi']);
    const plan = planDeploy({ blueprint, resources, state });
    expect(plan.actions.map((a) => [a.kind, a.logicalId, a.changes?.[0]?.field])).toEqual([
      ['replace', 'instances:web', 'userData/rootVolumeGiB'],
    ]);
  });

  it('more or fewer servers: launch the difference, or delete the newest', async () => {
    const { resources, state } = await deployedShop();
    const more = planDeploy({
      blueprint: shopBlueprint(['count: 2', 'count: 3']).blueprint,
      resources,
      state,
    });
    expect(more.actions).toMatchObject([{ kind: 'create', logicalId: 'instances:web', count: 1 }]);
    const fewer = planDeploy({
      blueprint: shopBlueprint(['count: 2', 'count: 1']).blueprint,
      resources,
      state,
    });
    expect(fewer.actions).toMatchObject([{ kind: 'delete', logicalId: 'instances:web' }]);
    expect(fewer.actions[0].existing).toHaveLength(1);
    expect(fewer.sync).toBe('drifted');
  });

  it('resources dropped from the blueprint are deleted, dependants first', async () => {
    const { resources, state } = await deployedShop();
    const text = shopBlueprint().text;
    const dbGroup = text.slice(text.indexOf('    - name: db\n      description'), text.indexOf('compute:'));
    const dbServer = text.slice(text.indexOf('    - name: db\n      type'), text.indexOf('storage:'));
    const { blueprint } = shopBlueprint([dbGroup, '\n'], [dbServer, '\n']);
    const plan = planDeploy({ blueprint, resources, state });
    expect(keys(plan)).toEqual([
      expect.stringMatching(/^delete:instances:db:i-/),
      expect.stringMatching(/^delete:security-group:db:sg-/),
    ]);
    expect(plan.sync).toBe('drifted');
  });

  it('rules and tags are updated in place; what AWS cannot change in place blocks the deploy, with the reason', async () => {
    const { resources, state } = await deployedShop();
    const rules = planDeploy({
      blueprint: shopBlueprint(['port: 443, cidr: 0.0.0.0/0', 'port: 8443, cidr: 0.0.0.0/0']).blueprint,
      resources,
      state,
    });
    expect(rules.actions).toMatchObject([{ kind: 'update', logicalId: 'security-group:web' }]);
    expect(rules.actions[0].blocked).toBeUndefined();
    expect(rules.blockers).toEqual([]);
    const tags = planDeploy({
      blueprint: shopBlueprint(['cost-center: "4711"', 'cost-center: "4712"']).blueprint,
      resources,
      state,
    });
    expect(tags.actions.filter((a) => a.kind === 'update')).toHaveLength(12);
    expect(tags.blockers).toEqual([]);
    const moved = planDeploy({
      blueprint: shopBlueprint(['cidr: 10.20.10.0/24', 'cidr: 10.20.11.0/24']).blueprint,
      resources,
      state,
    });
    expect(moved.blockers).toEqual([
      expect.stringMatching(/^subnet:private-a: cidr cannot be changed in place \(AWS does not allow it\)/),
    ]);
  });

  it('an edit made outside infradeck (a removed rule) shows as drift', async () => {
    const { resources, state } = await deployedShop();
    const edited = resources.map((r): Resource => {
      if (r.tags['infradeck:logical-id'] !== 'security-group:web') return r;
      return { ...r, raw: { ...r.raw, Ingress: ((r.raw?.Ingress ?? []) as unknown[]).slice(1) } };
    });
    const plan = planDeploy({ blueprint: shopBlueprint().blueprint, resources: edited, state });
    expect(plan.sync).toBe('drifted');
    expect(plan.actions[0].changes?.[0]).toMatchObject({ field: 'ingress' });
  });

  it('a resource whose tags were removed is still known by the state file', async () => {
    const { resources, state } = await deployedShop();
    const untagged = resources.map(
      (r): Resource => (r.tags['infradeck:logical-id'] === 'vpc' ? { ...r, tags: {} } : r),
    );
    const plan = planDeploy({ blueprint: shopBlueprint().blueprint, resources: untagged, state });
    expect(plan.actions.map((a) => a.key)).toEqual(['update:vpc']);
    expect(plan.actions[0].changes?.map((c) => c.field)).toContain('tag infradeck:project');
  });

  it('something tagged with the project by hand is reported and left alone', async () => {
    const { resources, state } = await deployedShop();
    const plan = planDeploy({
      blueprint: shopBlueprint().blueprint,
      resources: [...resources, stray],
      state,
    });
    expect(plan.unmanaged.map((r) => r.id)).toEqual(['sg-0hand0made0000000']);
    expect(plan.actions).toEqual([]);
    expect(plan.sync).toBe('drifted');
  });

  it('moving the project to another region is refused', async () => {
    const { resources, state } = await deployedShop();
    const { blueprint } = shopBlueprint(
      ['region: eu-west-1', 'region: eu-central-1'],
      ['eu-west-1a', 'eu-central-1a'],
      ['eu-west-1b', 'eu-central-1b'],
      ['eu-west-1a', 'eu-central-1a'],
    );
    const plan = planDeploy({ blueprint, resources, state });
    expect(plan.blockers[0]).toMatch(/deployed in eu-west-1 but the blueprint now says eu-central-1/);
  });

  it('a protected project needs the confirmation only for deletes and replacements', async () => {
    const { resources, state } = await deployedShop();
    const grow = shopBlueprint(['protected: false', 'protected: true'], ['count: 2', 'count: 3']).blueprint;
    expect(planDeploy({ blueprint: grow, resources, state }).needsConfirmation).toBe(false);
    const shrink = shopBlueprint(['protected: false', 'protected: true'], ['count: 2', 'count: 1']).blueprint;
    expect(planDeploy({ blueprint: shrink, resources, state }).needsConfirmation).toBe(true);
  });
});

describe('plan from the cloud', () => {
  it('looks the project up by its tag and plans against it', async () => {
    const { cloud, state } = await deployedShop();
    const { blueprint } = shopBlueprint(['count: 2', 'count: 3']);
    const entry = {
      file: 'projects/shop.yaml',
      name: 'shop',
      sha256: '',
      blueprint,
      errors: [],
      stateFile: '',
      state,
      stateErrors: [],
    };
    const plan = await planFromCloud(cloud, entry);
    expect(plan?.actions).toMatchObject([{ kind: 'create', logicalId: 'instances:web', count: 1 }]);
    expect(await planFromCloud(cloud, { ...entry, blueprint: undefined })).toBeUndefined();
  });
});

describe('the plan in lines (what infradeck plan prints and the console shows)', () => {
  it('deletes, updates, then each step of creates and replacements, then what the plan noticed', async () => {
    const { resources, state } = await deployedShop();
    const { blueprint } = shopBlueprint(
      ['protected: false', 'protected: true'],
      ['type: t3.small', 'type: t3.medium'],
      ['cidr: 10.20.10.0/24', 'cidr: 10.20.11.0/24'],
    );
    const gone = resources.find((r) => r.tags['infradeck:logical-id'] === 'route-table:public-b')!;
    const left = [...resources.filter((r) => r !== gone), stray];
    const lines = planLines(planDeploy({ blueprint, resources: left, state }), 'confirm with --confirm NAME');
    const block =
      'cidr cannot be changed in place (AWS does not allow it): change the blueprint back, or destroy the project and deploy it again';
    expect(lines).toEqual([
      {
        kind: 'blocked',
        text: `  ~ update subnet private-a 10.20.11.0/24 eu-west-1a (cidr: 10.20.10.0/24 -> 10.20.11.0/24): BLOCKED, ${block}`,
      },
      { kind: 'create', text: '  1. + create route table public-b 0.0.0.0/0 -> internet gateway' },
      {
        kind: 'replace',
        text: '  1. ± replace 2 × t3.medium web in public-a: terminate 2 servers, launch 2',
      },
      {
        kind: 'warning',
        text: `  ! route-table:public-b ${gone.id}: in the state file but gone; created again`,
      },
      {
        kind: 'warning',
        text: '  ! security-group sg-0hand0made0000000 carries the project tag but was not made by infradeck: left alone',
      },
      { kind: 'blocked', text: `  cannot deploy: subnet:private-a: ${block}` },
      { kind: 'note', text: '  protected: this deploy deletes or replaces; confirm with --confirm NAME' },
    ]);
  });

  it('a resource gone from the cloud and from the blueprint is not said to be created again', async () => {
    const { resources, state } = await deployedShop();
    const text = shopBlueprint().text;
    const dbServer = text.slice(text.indexOf('    - name: db\n      type'), text.indexOf('storage:'));
    const { blueprint } = shopBlueprint([dbServer, '\n']);
    const db = resources.find(
      (r) => r.type === 'instance' && r.tags['infradeck:logical-id'] === 'instances:db',
    )!;
    const lines = planLines(
      planDeploy({ blueprint, resources: resources.filter((r) => r !== db), state }),
      'confirm with --confirm NAME',
    );
    expect(lines).toEqual([
      { kind: 'warning', text: `  ! instances:db ${db.id}: in the state file but gone` },
    ]);
  });
});
