import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchDefinition, TargetSelector } from '../../src/domain/batch';
import {
  type BatchPlan,
  batchPlanLines,
  pendingTargetStates,
  planBatch,
  retryPlan,
} from '../../src/domain/batchPlan';
import { parseBatchFile } from '../../src/domain/batchSource';
import { resolveTargets, type ServerRow } from '../../src/domain/batchTargets';
import type { Resource } from '../../src/domain/resource';
import { formatSourceError } from '../../src/domain/sourceError';
import { parseServersFile } from '../../src/services/servers/serversFile';
import { targetProblemText } from './targetProblemText';

const servers: ServerRow[] = [
  { name: 'web-1', host: '10.0.0.11', port: 22, user: 'ops', tags: { role: 'web' }, project: 'shop' },
  { name: 'web-2', host: '10.0.0.12', port: 2222, tags: { role: 'web' }, project: 'shop' },
  {
    name: 'db-1',
    host: '10.0.0.21',
    port: 22,
    identityFile: '/keys/db.pem',
    tags: { role: 'db' },
    project: 'shop',
  },
  { name: 'ci', host: 'ci.example.com', port: 22, tags: {} },
];

function instance(id: string, fields: Partial<Resource> & { ip?: string; privateIp?: string }): Resource {
  const { ip, privateIp, ...rest } = fields;
  return {
    type: 'instance',
    id,
    region: 'eu-west-1',
    state: 'running',
    detail: 't3.micro',
    tags: {},
    refs: {},
    raw: { ...(ip ? { PublicIpAddress: ip } : {}), ...(privateIp ? { PrivateIpAddress: privateIp } : {}) },
    ...rest,
  };
}

const resources: Resource[] = [
  instance('i-0b', { name: 'api-2', project: 'shop', tags: { role: 'api' }, privateIp: '172.31.0.12' }),
  instance('i-0a', {
    name: 'api-1',
    project: 'shop',
    tags: { role: 'api', 'infradeck:ssh-user': 'ubuntu', 'infradeck:ssh-port': '2200' },
    ip: '203.0.113.5',
    privateIp: '172.31.0.11',
    refs: { keyPair: 'shop-key' },
  }),
  instance('i-0gone', { name: 'api-0', project: 'shop', tags: { role: 'api' }, state: 'terminated' }),
  { ...instance('vol-1', { project: 'shop' }), type: 'volume' },
];

const resolve = (...selectors: TargetSelector[]) => resolveTargets(selectors, { servers, resources });
const names = (...selectors: TargetSelector[]) => {
  const r = resolve(...selectors);
  if (!r.ok) throw new Error(r.problems.map((p) => targetProblemText(p, selectors.length)).join('\n'));
  return r.targets.map((t) => t.name);
};
const problems = (...selectors: TargetSelector[]) => {
  const r = resolve(...selectors);
  return r.ok ? [] : r.problems.map((p) => targetProblemText(p, selectors.length));
};

describe('resolving targets', () => {
  it('takes servers by name, with their port, user and key', () => {
    const r = resolve({ servers: ['web-2', 'db-1'] });
    expect(r).toEqual({
      ok: true,
      targets: [
        { key: '10.0.0.12_2222', name: 'web-2', host: '10.0.0.12', port: 2222, source: 'servers.yaml' },
        {
          key: '10.0.0.21_22',
          name: 'db-1',
          host: '10.0.0.21',
          port: 22,
          identityFile: '/keys/db.pem',
          source: 'servers.yaml',
        },
      ],
    });
  });

  it('takes EC2 instances at their public IP else private IP, user and port from their tags, gone ones left out', () => {
    const r = resolve({ tags: { role: 'api' } });
    expect(r).toEqual({
      ok: true,
      targets: [
        {
          key: '203.0.113.5_2200',
          name: 'api-1',
          host: '203.0.113.5',
          port: 2200,
          user: 'ubuntu',
          source: 'ec2',
          instance: { id: 'i-0a', region: 'eu-west-1', keyPair: 'shop-key' },
        },
        {
          key: '172.31.0.12_22',
          name: 'api-2',
          host: '172.31.0.12',
          port: 22,
          user: 'ec2-user',
          source: 'ec2',
          instance: { id: 'i-0b', region: 'eu-west-1' },
        },
      ],
    });
  });

  it('a project takes servers.yaml hosts in file order, then instances by name; from: narrows it', () => {
    expect(names({ project: 'shop' })).toEqual(['web-1', 'web-2', 'db-1', 'api-1', 'api-2']);
    expect(names({ project: 'shop', from: 'ec2' })).toEqual(['api-1', 'api-2']);
    expect(names({ project: 'shop', from: 'servers' })).toEqual(['web-1', 'web-2', 'db-1']);
    expect(names({ project: 'shop', tags: { role: 'web' } })).toEqual(['web-1', 'web-2']);
  });

  it('takes plain addresses as written', () => {
    const r = resolve({ hosts: [{ host: '192.0.2.7' }, { host: '::1', port: 2200, user: 'ops' }] });
    expect(r.ok && r.targets).toEqual([
      { key: '192.0.2.7_22', name: '192.0.2.7', host: '192.0.2.7', source: 'list' },
      { key: '..1_2200', name: 'ops@[::1]:2200', host: '::1', port: 2200, user: 'ops', source: 'list' },
    ]);
  });

  it('keeps each host:port once, in the order the selectors first name it', () => {
    expect(
      names(
        { servers: ['web-2'] },
        { project: 'shop' },
        { hosts: [{ host: '10.0.0.11' }, { host: '10.0.0.99' }] },
      ),
    ).toEqual(['web-2', 'web-1', 'db-1', 'api-1', 'api-2', '10.0.0.99']);
    expect(names({ servers: ['ci', 'ci'] })).toEqual(['ci']);
  });

  it('says which other names reached a host it keeps once, and the plan says it runs there once', () => {
    const twin: ServerRow = { name: 'web-1-alias', host: '10.0.0.11', port: 22, tags: {} };
    const r = resolveTargets(
      [{ servers: ['web-1', 'web-1-alias', 'web-1'] }, { hosts: [{ host: '10.0.0.11' }] }],
      {
        servers: [...servers, twin],
        resources: [],
      },
    );
    expect(r.ok && r.targets.map((t) => [t.name, t.sameAddress])).toEqual([
      ['web-1', ['web-1-alias', '10.0.0.11']],
    ]);
    const batch = parseBatchFile('b.yaml', 'targets:\n  servers: [web-1]\naction:\n  ssh: [uptime]\n');
    if (!batch.ok || !r.ok) throw new Error('setup');
    expect(batchPlanLines(planBatch(batch.batch, r.targets))).toContain(
      '  web-1  ops@10.0.0.11:22  servers.yaml  also web-1-alias, 10.0.0.11: same address, runs once',
    );
  });

  it('ad-hoc words are server names, else addresses', () => {
    expect(names({ names: ['web-1', '192.0.2.9', 'ops@backup.example.com:2022'] })).toEqual([
      'web-1',
      '192.0.2.9',
      'ops@backup.example.com:2022',
    ]);
    expect(problems({ names: ['web-3'] })).toEqual([
      'targets.names[0]: no server "web-3" in servers.yaml (did you mean web-1?), and not an address',
    ]);
  });

  it('two targets of the same name are told apart', () => {
    const twin = instance('i-0c', { name: 'web-1', project: 'other', ip: '198.51.100.1' });
    const r = resolveTargets([{ servers: ['web-1'] }, { project: 'other' }], { servers, resources: [twin] });
    expect(r.ok && r.targets.map((t) => t.name)).toEqual(['web-1', 'web-1 (i-0c)']);
  });

  const bad: [string, TargetSelector[], string[]][] = [
    [
      'an unknown server name',
      [{ servers: ['web-1', 'wbe-2'] }],
      ['targets.servers[1]: no server "wbe-2" in servers.yaml (did you mean web-2?)'],
    ],
    [
      'a name nothing is close to',
      [{ servers: ['mail'] }],
      ['targets.servers[0]: no server "mail" in servers.yaml (it has web-1, web-2, db-1, ci)'],
    ],
    [
      'a tag that matches nothing',
      [{ tags: { role: 'cache' } }],
      ['targets.tags.role: no server or EC2 instance has the tag role=cache (role is web, db, api there)'],
    ],
    [
      'a tag value with a typo',
      [{ tags: { role: 'wbe' } }],
      ['targets.tags.role: no server or EC2 instance has the tag role=wbe (did you mean role=web?)'],
    ],
    [
      'a tag key with a typo',
      [{ tags: { rol: 'web' } }],
      ['targets.tags.rol: no server or EC2 instance has the tag rol=web (did you mean the tag role?)'],
    ],
    [
      'a tag only the other source has',
      [{ tags: { role: 'api' }, from: 'servers' }],
      ['targets.tags.role: no server of servers.yaml has the tag role=api (role is web, db there)'],
    ],
    [
      'an unknown project',
      [{ project: 'shp' }],
      ['targets.project: no server or EC2 instance belongs to project "shp" (did you mean shop?)'],
    ],
    [
      'a project and a tag that never meet',
      [{ project: 'shop', tags: { role: 'ci' } }],
      ['targets.tags.role: no server or EC2 instance has the tag role=ci (role is web, db, api there)'],
    ],
    [
      'a project and tags that each match, but not together',
      [{ project: 'shop', tags: { role: 'web' }, from: 'ec2' }],
      ['targets.tags.role: no EC2 instance has the tag role=web (role is api there)'],
    ],
    [
      'each selector of a list, told apart',
      [{ servers: ['web-1'] }, { tags: { role: 'web', tier: 'x' } }],
      ['targets[1].tags.tier: no server or EC2 instance has the tag tier=x'],
    ],
  ];
  for (const [what, selectors, expected] of bad) {
    it(`${what} is an error naming it`, () => {
      expect(problems(...selectors)).toEqual(expected);
    });
  }

  it('a project and tags that each match something but nothing together is an error', () => {
    const r = resolveTargets([{ project: 'shop', tags: { role: 'ci' } }], {
      servers: [...servers, { name: 'build', host: '10.0.0.40', port: 22, tags: { role: 'ci' } }],
      resources: [],
    });
    expect(r.ok ? [] : r.problems.map((p) => targetProblemText(p, 1))).toEqual([
      'targets: no server or EC2 instance has both project "shop" and the tags role=ci',
    ]);
  });

  it('an instance that cannot be reached is an error: the batch never runs on fewer hosts than it says', () => {
    const stopped = instance('i-0s', { name: 'api-3', project: 'shop', state: 'stopped' });
    const badUser = instance('i-0u', {
      project: 'shop',
      tags: { 'infradeck:ssh-user': '-oProxyCommand=x' },
      ip: '203.0.113.9',
    });
    const r = resolveTargets([{ project: 'shop', from: 'ec2' }], { servers, resources: [stopped, badUser] });
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual([
      'cannot reach instance i-0s (api-3): it is stopped',
      'instance i-0u: the infradeck:ssh-user tag "-oProxyCommand=x" is not a user name',
    ]);
  });
});

describe('the example workspace', () => {
  const root = join(import.meta.dirname, '..', '..', 'data');
  const workspace = parseServersFile(
    join(root, 'servers.yaml'),
    readFileSync(join(root, 'servers.yaml'), 'utf8'),
  );

  function planOf(name: string): BatchPlan {
    const file = join(root, 'batches', `${name}.yaml`);
    const parsed = parseBatchFile(file, readFileSync(file, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
    const r = resolveTargets(parsed.batch.targets, { servers: workspace.hosts, resources: [] });
    if (!r.ok) throw new Error(r.problems.map((p) => formatSourceError(parsed.targetErrorAt(p))).join('\n'));
    return planBatch(parsed.batch, r.targets);
  }

  it('restart-web resolves against servers.yaml and shows its targets and waves before it starts', () => {
    expect(workspace.errors).toEqual([]);
    expect(batchPlanLines(planOf('restart-web'))).toEqual([
      'batch restart-web: ssh sudo -n systemctl restart nginx',
      '2 targets in 2 waves (serial 1); any failure stops the batch; pause 30s between waves; timeout 2m per target',
      '  localhost        127.0.0.1:22        servers.yaml',
      '  bastion-example  ops@127.0.0.2:2222  servers.yaml',
      'wave 1: localhost (1)',
      'wave 2: bastion-example (1)',
    ]);
  });

  it('versions resolves too, half its targets per wave', () => {
    expect(batchPlanLines(planOf('versions'), { targetLines: 0 })).toEqual([
      `batch versions: local sh -c 'echo "$INFRADECK_TARGET ($INFRADECK_TARGET_HOST): $(uname -sr)"'`,
      '2 targets in 2 waves (serial 50%); stops when more than 50% of a wave fails; no pause; timeout 30s per target',
      'wave 1: localhost (1)',
      'wave 2: bastion-example (1)',
    ]);
  });

  it('an unknown server in a batch file is reported at its place in the file', () => {
    const file = 'data/batches/typo.yaml';
    const parsed = parseBatchFile(
      file,
      'targets:\n  servers: [localhost, bastion]\naction:\n  ssh: [uptime]\n',
    );
    if (!parsed.ok) throw new Error('expected a valid file');
    const r = resolveTargets(parsed.batch.targets, { servers: workspace.hosts, resources: [] });
    expect(r.ok ? [] : r.problems.map((p) => formatSourceError(parsed.targetErrorAt(p)))).toEqual([
      'data/batches/typo.yaml:2:24: targets.servers[1]: no server "bastion" in servers.yaml (did you mean bastion-example?)',
    ]);
  });

  it('a long wave names its first targets and counts the rest', () => {
    const many: ServerRow[] = Array.from({ length: 25 }, (_, i) => ({
      name: `node-${i + 1}`,
      host: `10.1.0.${i + 1}`,
      port: 22,
      tags: { pool: 'a' },
    }));
    const r = resolveTargets([{ tags: { pool: 'a' } }], { servers: many, resources: [] });
    if (!r.ok) throw new Error('expected targets');
    const batch: BatchDefinition = {
      name: 'roll',
      targets: [],
      action: { type: 'ssh', program: 'uptime', args: [] },
      serial: [{ percent: 80 }],
      maxFailPercentage: 10,
      pause: { manual: true },
      timeoutMs: 600_000,
    };
    const lines = batchPlanLines(planBatch(batch, r.targets), {
      namesPerWave: 3,
      targetLines: 2,
    });
    expect(lines).toEqual([
      'batch roll: ssh uptime',
      '25 targets in 2 waves (serial 80%); stops when more than 10% of a wave fails; pause manual between waves; timeout 10m per target',
      '  node-1  10.1.0.1:22  servers.yaml',
      '  node-2  10.1.0.2:22  servers.yaml',
      '  … and 23 more',
      'wave 1: node-1, node-2, node-3 … and 17 more (20)',
      'wave 2: node-21, node-22, node-23 … and 2 more (5)',
    ]);
  });

  it('a run starts with every target pending in its wave; a retry re-waves its failed and cancelled targets', () => {
    const many: ServerRow[] = Array.from({ length: 6 }, (_, i) => ({
      name: `n${i + 1}`,
      host: `10.2.0.${i + 1}`,
      port: 22,
      tags: {},
    }));
    const r = resolveTargets([{ servers: many.map((s) => s.name) }], { servers: many, resources: [] });
    if (!r.ok) throw new Error('expected targets');
    const batch: BatchDefinition = {
      name: 'r',
      targets: [],
      action: { type: 'local', program: 'true', args: [] },
      serial: [{ count: 2 }],
      maxFailPercentage: 0,
      timeoutMs: 60_000,
    };
    const plan = planBatch(batch, r.targets);
    const states = pendingTargetStates(plan);
    expect(states.map((t) => [t.name, t.wave, t.status])).toEqual([
      ['n1', 1, 'pending'],
      ['n2', 1, 'pending'],
      ['n3', 2, 'pending'],
      ['n4', 2, 'pending'],
      ['n5', 3, 'pending'],
      ['n6', 3, 'pending'],
    ]);
    const ran = states.map((t, i) => ({
      ...t,
      status: (['ok', 'failed', 'cancelled', 'ok', 'cancelled', 'cancelled'] as const)[i],
    }));
    const again = retryPlan(plan, ran);
    expect(again.waves.map((w) => w.map((t) => t.name))).toEqual([
      ['n2', 'n3'],
      ['n5', 'n6'],
    ]);
  });
});
