import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlueprintInput } from '../../src/domain/blueprint';
import { blueprintYaml, draftProblems } from '../../src/domain/blueprintDraft';
import { projectRow } from '../../src/domain/projectRow';
import { formatSourceError } from '../../src/domain/sourceError';
import { deployProject } from '../../src/services/projects/deployProject';
import { editBlueprintFile } from '../../src/services/projects/editBlueprint';
import { loadProjects } from '../../src/services/projects/loadProjects';
import { saveNewBlueprint } from '../../src/services/projects/newBlueprint';
import { stateFilePath } from '../../src/services/projects/stateFile';
import { recordedJob } from './fakeJob';
import { deployPayload, quickCloud, shopBlueprint, shopText, tempDataDir } from './helpers';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function workspace(files: Record<string, string> = {}): string {
  const d = tempDataDir();
  cleanup.push(d.remove);
  mkdirSync(join(d.dir, 'projects'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d.dir, 'projects', name), text);
  return d.dir;
}

describe('editing a blueprint', () => {
  it('changing values keeps every other byte: comments, order, quoting, spacing', async () => {
    const dir = workspace({ 'shop.yaml': shopText });
    const file = join(dir, 'projects', 'shop.yaml');
    const result = await editBlueprintFile(file, [
      { path: ['compute', 'instances', 0, 'count'], value: 3 },
      { path: ['owner'], value: 'shop-team@example.com' },
      { path: ['tags', 'cost-center'], value: '4712' },
    ]);
    expect(result.ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(
      shopText
        .replace('      count: 2\n', '      count: 3\n')
        .replace('owner: web-team@example.com', 'owner: shop-team@example.com')
        .replace('cost-center: "4711"', 'cost-center: "4712"'),
    );
    const [entry] = await loadProjects(dir);
    expect(entry.blueprint?.compute?.instances[0].count).toBe(3);
    expect(entry.blueprint?.tags['cost-center']).toBe('4712');
  });

  it('a string that looks like a number is written quoted, so it stays a string', async () => {
    const dir = workspace({ 'shop.yaml': shopText });
    const file = join(dir, 'projects', 'shop.yaml');
    await editBlueprintFile(file, [{ path: ['owner'], value: '1234' }]);
    expect(readFileSync(file, 'utf8')).toContain('owner: "1234"\n');
  });

  it('adding an item keeps comments and key order', async () => {
    const dir = workspace({ 'shop.yaml': shopText });
    const file = join(dir, 'projects', 'shop.yaml');
    const result = await editBlueprintFile(file, [
      {
        path: ['network', 'securityGroups', 0, 'ingress'],
        append: { protocol: 'tcp', port: 8443, cidr: '0.0.0.0/0' },
      },
    ]);
    expect(result.ok).toBe(true);
    const text = readFileSync(file, 'utf8');
    const comments = (t: string) =>
      t
        .split('\n')
        .filter((l) => l.includes('#'))
        .map((l) => l.slice(l.indexOf('#')));
    expect(comments(text)).toEqual(comments(shopText));
    const keys = (t: string) => t.split('\n').flatMap((l) => /^\s*-?\s*(\w+):/.exec(l)?.[1] ?? []);
    const after = keys(text);
    const added = after.indexOf('protocol');
    expect(after.slice(added, added + 3)).toEqual(['protocol', 'port', 'cidr']);
    expect([...after.slice(0, added), ...after.slice(added + 3)]).toEqual(keys(shopText));
    expect(text).toContain('          port: 8443\n');
    const [entry] = await loadProjects(dir);
    expect(entry.blueprint?.network?.securityGroups[0].ingress).toHaveLength(4);
  });

  it('an edit that would make the blueprint invalid writes nothing and says why', async () => {
    const dir = workspace({ 'shop.yaml': shopText });
    const file = join(dir, 'projects', 'shop.yaml');
    const result = await editBlueprintFile(file, [
      { path: ['compute', 'instances', 0, 'subnet'], value: 'nowhere' },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors.map(formatSourceError)).toEqual([
        `${file}:50:15: compute.instances[0].subnet: no subnet named "nowhere" in network.subnets (defined: public-a, public-b, private-a)`,
      ]);
    expect(readFileSync(file, 'utf8')).toBe(shopText);
  });
});

const wizard: BlueprintInput = {
  name: 'blog',
  owner: 'me@example.com',
  environment: 'dev',
  region: 'eu-west-1',
  network: {
    vpc: { cidr: '10.40.0.0/16' },
    internetGateway: true,
    subnets: [{ name: 'public-a', cidr: '10.40.1.0/24', az: 'eu-west-1a', public: true }],
    securityGroups: [{ name: 'web', ingress: [{ protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' }] }],
  },
  compute: {
    instances: [
      {
        name: 'web',
        type: 't3.micro',
        ami: 'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
        subnet: 'public-a',
        securityGroups: ['web'],
        userData: '#!/bin/sh\necho hello\n',
      },
    ],
  },
  storage: { buckets: [{ name: 'blog-media-4711' }] },
};

describe('a new blueprint from the wizard', () => {
  it('is written as commented YAML that loads back to the same blueprint', async () => {
    const dir = workspace();
    const saved = await saveNewBlueprint(dir, wizard);
    expect(saved.ok).toBe(true);
    const text = readFileSync(join(dir, 'projects', 'blog.yaml'), 'utf8');
    expect(text).toMatch(/^# blog: created with the infradeck wizard on \d{4}-\d\d-\d\d\./);
    expect(text).toContain('        - { protocol: tcp, port: 443, cidr: 0.0.0.0/0 }\n');
    expect(text).toContain('      securityGroups: [ web ]\n');
    expect(text).toContain('      userData: |\n        #!/bin/sh\n        echo hello\n');
    const [entry] = await loadProjects(dir);
    expect(entry.errors).toEqual([]);
    expect(entry.blueprint?.compute?.instances[0]).toMatchObject({ name: 'web', count: 1, type: 't3.micro' });
  });

  it('problems are reported by path, for the step that asked for the value', () => {
    const bad: BlueprintInput = {
      ...wizard,
      network: {
        ...wizard.network!,
        subnets: [{ name: 'public-a', cidr: '10.41.1.0/24', az: 'eu-west-1a', public: true }],
      },
      compute: { instances: [{ ...wizard.compute!.instances![0], type: 't3.mikro' }] },
    };
    expect(draftProblems(bad).map((e) => `${e.path}: ${e.message}`)).toEqual([
      'network.subnets[0].cidr: 10.41.1.0/24 is outside the VPC block 10.40.0.0/16',
      'compute.instances[0].type: "t3.mikro" is not an instance type (did you mean t3.micro?)',
    ]);
    expect(draftProblems(wizard)).toEqual([]);
  });

  it('refuses to overwrite a project that exists, and writes nothing when invalid', async () => {
    const dir = workspace({ 'shop.yaml': shopText });
    const taken = await saveNewBlueprint(dir, { ...wizard, name: 'shop' });
    expect(taken).toMatchObject({
      ok: false,
      errors: [{ path: 'name', message: expect.stringMatching(/already exists/) }],
    });
    expect(readFileSync(join(dir, 'projects', 'shop.yaml'), 'utf8')).toBe(shopText);
    const invalid = await saveNewBlueprint(dir, { ...wizard, region: 'mars-1' });
    expect(invalid.ok).toBe(false);
    expect((await loadProjects(dir)).map((e) => e.name)).toEqual(['shop']);
  });

  it('the YAML has the usual key order whatever order the answers came in', () => {
    const text = blueprintYaml({
      region: 'eu-west-1',
      environment: 'dev',
      owner: 'x',
      name: 'tiny',
    } as BlueprintInput);
    expect(text.split('\n').filter((l) => /^\w/.test(l))).toEqual([
      'name: tiny',
      'owner: x',
      'environment: dev',
      'region: eu-west-1',
      'protected: false',
    ]);
  });
});

describe('the project list', () => {
  it('a bad file is a row with its error and the other projects keep working', async () => {
    const dir = workspace({
      'shop.yaml': shopText,
      'broken.yaml': 'name: broken\nowner: x\nenvironment: dev\nregion: eu-west-1\nstorage:\n\tbuckets: []\n',
      'twin.yaml': shopText,
      'notes.txt': 'not a blueprint',
    });
    const entries = await loadProjects(dir);
    expect(entries.map((e) => [e.name, e.errors.map(formatSourceError)])).toEqual([
      [
        'broken',
        [
          `${join(dir, 'projects', 'broken.yaml')}:6:1: tabs are not allowed as indentation in YAML; indent with spaces`,
        ],
      ],
      ['shop', []],
      [
        'shop',
        [
          `${join(dir, 'projects', 'twin.yaml')}:5:7: name: project "shop" is already defined in ${join(dir, 'projects', 'shop.yaml')}: each project name is used once`,
        ],
      ],
    ]);
    const rows = entries.map((e) => projectRow(e, []));
    expect(rows.map((r) => [r.name, r.status, r.sync])).toEqual([
      ['broken', 'invalid', undefined],
      ['shop', 'ready', 'not deployed'],
      // The twin is not read: nothing of it is ready to deploy.
      ['shop', 'invalid', undefined],
    ]);
  });

  it('shows state, status and sync of a deployed project, a hand-broken state file, and a state without blueprint', async () => {
    const dir = workspace({ 'shop.yaml': shopText });
    const cloud = quickCloud();
    await deployProject(deployPayload(shopBlueprint()), recordedJob(), { cloud, dataDir: dir });
    const [entry] = await loadProjects(dir);
    const row = projectRow(entry, cloud.snapshot());
    expect(row).toMatchObject({
      name: 'shop',
      lifecycle: 'provisioned',
      status: 'done',
      sync: 'in sync',
      recorded: 13,
    });
    expect(projectRow(entry, cloud.snapshot(), { status: 'active' }).status).toBe('in_progress');
    expect(
      projectRow(entry, cloud.snapshot(), { status: 'failed', error: 'refused: project shop is held by …' })
        .status,
    ).toBe('rejected');

    writeFileSync(stateFilePath(dir, 'shop'), '{ "version": 2 }\n');
    const [broken] = await loadProjects(dir);
    const brokenRow = projectRow(broken, cloud.snapshot());
    expect(brokenRow.status).toBe('unknown');
    expect(brokenRow.errors).toContainEqual(
      expect.stringMatching(/shop\.json:1:14: version: expected 1, got 2$/),
    );

    writeFileSync(stateFilePath(dir, 'gone'), readFileSync(stateFilePath(dir, 'shop'), 'utf8'));
    const orphan = (await loadProjects(dir)).find((e) => e.name === 'gone');
    expect(orphan?.errors[0].message).toMatch(
      /^no blueprint named gone in .*projects \(renamed or deleted\)/,
    );
  });
});
