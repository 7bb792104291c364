import { describe, expect, it } from 'vitest';
import { type Blueprint, closestInstanceType } from '../../src/domain/blueprint';
import { parseBlueprint } from '../../src/domain/blueprintSource';
import { deployIdTag, desiredResources } from '../../src/domain/desiredResources';
import { formatSourceError } from '../../src/domain/sourceError';
import { loadProjects } from '../../src/services/projects/loadProjects';

const good = `# a comment
name: shop
owner: web-team
environment: staging
region: eu-west-1
network:
  vpc:
    cidr: 10.20.0.0/16
  subnets:
    - name: public-a
      cidr: 10.20.1.0/24
      az: eu-west-1a
      public: true
    - name: private-a
      cidr: 10.20.10.0/24
      az: eu-west-1a
  internetGateway: true
  securityGroups:
    - name: web
      ingress:
        - { protocol: tcp, port: 443, cidr: 0.0.0.0/0 }
    - name: db
      ingress:
        - { protocol: tcp, port: 5432, group: web }
compute:
  instances:
    - name: web
      type: t3.small
      ami: ami-0123456789abcdef0
      subnet: public-a
      securityGroups: [web]
storage:
  buckets:
    - name: shop-images-4711
`;

/** The errors as a person reads them. */
function problems(text: string): string[] {
  const parsed = parseBlueprint('projects/shop.yaml', text);
  if (parsed.blueprint) throw new Error('expected errors, the blueprint is valid');
  return parsed.errors.map(formatSourceError);
}

function edit(from: string, to: string): string {
  if (!good.includes(from)) throw new Error(`the fixture has no ${from}`);
  return good.replace(from, to);
}

describe('a valid blueprint', () => {
  it('parses with defaults applied', () => {
    const { blueprint, errors } = parseBlueprint('projects/shop.yaml', good);
    expect(errors).toEqual([]);
    expect(blueprint?.protected).toBe(false);
    expect(blueprint?.compute?.instances[0].count).toBe(1);
    expect(blueprint?.storage?.buckets[0]).toEqual({
      name: 'shop-images-4711',
      versioning: false,
      encryption: true,
      publicAccessBlock: true,
    });
  });

  it('the example blueprints in data/projects are valid', async () => {
    const entries = await loadProjects('data');
    expect(entries.map((e) => [e.name, e.errors.map(formatSourceError)])).toEqual([
      ['analytics', []],
      ['shop', []],
      ['static-site', []],
    ]);
  });
});

describe('YAML that cannot be read', () => {
  it('points at a tab used for indentation', () => {
    // The parser goes on to report what the tab broke below it; the first error says what is wrong.
    expect(problems(edit('    - name: private-a\n', '\t- name: private-a\n'))[0]).toBe(
      'projects/shop.yaml:14:1: tabs are not allowed as indentation in YAML; indent with spaces',
    );
  });

  it('points at a duplicate key and names the first', () => {
    expect(problems(edit('environment: staging\n', 'environment: staging\nowner: ops\n'))).toEqual([
      'projects/shop.yaml:5:1: duplicate key "owner" (already set on line 3)',
    ]);
  });

  it('points at an alias whose anchor is not defined', () => {
    expect(problems(edit('      subnet: public-a\n', '      subnet: *public\n'))).toEqual([
      'projects/shop.yaml:30:15: alias *public refers to an anchor &public that is not defined before it',
    ]);
  });
});

describe('schema errors at the offending node', () => {
  it('an unknown key, with the closest known one', () => {
    expect(problems(edit('      public: true\n', '      pubilc: true\n'))).toEqual([
      'projects/shop.yaml:13:7: network.subnets[0].pubilc: unknown key "pubilc" (did you mean "public"? allowed: name, cidr, az, public)',
    ]);
  });

  it('an instance type that does not exist, with the nearest real one', () => {
    expect(problems(edit('type: t3.small', 'type: t3.smal'))).toEqual([
      'projects/shop.yaml:28:13: compute.instances[0].type: "t3.smal" is not an instance type (did you mean t3.small?)',
    ]);
    expect(problems(edit('type: t3.small', 'type: banana'))).toEqual([
      'projects/shop.yaml:28:13: compute.instances[0].type: "banana" is not an instance type',
    ]);
  });

  it('a subnet reference that names no subnet', () => {
    expect(problems(edit('      subnet: public-a\n', '      subnet: public-b\n'))).toEqual([
      'projects/shop.yaml:30:15: compute.instances[0].subnet: no subnet named "public-b" in network.subnets (defined: public-a, private-a)',
    ]);
  });

  it('a security group reference that names no group, in an instance and in a rule', () => {
    expect(
      problems(
        edit('group: web }', 'group: wbe }').replace('securityGroups: [web]', 'securityGroups: [webb]'),
      ),
    ).toEqual([
      'projects/shop.yaml:24:47: network.securityGroups[1].ingress[0].group: no security group named "wbe" in network.securityGroups (defined: web, db)',
      'projects/shop.yaml:31:24: compute.instances[0].securityGroups[0]: no security group named "webb" in network.securityGroups (defined: web, db)',
    ]);
  });

  it('overlapping subnets and a subnet outside the VPC', () => {
    expect(problems(edit('cidr: 10.20.10.0/24', 'cidr: 10.20.0.0/20'))).toEqual([
      'projects/shop.yaml:15:13: network.subnets[1].cidr: 10.20.0.0/20 overlaps subnet "public-a" (10.20.1.0/24)',
    ]);
    expect(problems(edit('cidr: 10.20.10.0/24', 'cidr: 10.21.10.0/24'))).toEqual([
      'projects/shop.yaml:15:13: network.subnets[1].cidr: 10.21.10.0/24 is outside the VPC block 10.20.0.0/16',
    ]);
  });

  it('a CIDR block with host bits set, or too large for AWS', () => {
    expect(problems(edit('cidr: 10.20.1.0/24', 'cidr: 10.20.1.7/24'))).toEqual([
      'projects/shop.yaml:11:13: network.subnets[0].cidr: "10.20.1.7/24" has host bits set (did you mean 10.20.1.0/24?)',
    ]);
    expect(problems(edit('cidr: 10.20.0.0/16', 'cidr: 10.0.0.0/8'))[0]).toBe(
      'projects/shop.yaml:8:11: network.vpc.cidr: "10.0.0.0/8": AWS allows blocks from /16 to /28, got /8',
    );
  });

  it('an availability zone of another region', () => {
    expect(
      problems(edit('      az: eu-west-1a\n      public', '      az: us-east-1a\n      public')),
    ).toEqual([
      "projects/shop.yaml:12:11: network.subnets[0].az: availability zone us-east-1a is not in the project's region eu-west-1",
    ]);
  });

  it('fields the deployer cannot honour are errors, not dropped', () => {
    expect(problems(edit('  internetGateway: true\n', '  internetGateway: false\n'))).toEqual([
      'projects/shop.yaml:13:15: network.subnets[0].public: a public subnet routes to the internet gateway: set network.internetGateway: true',
    ]);
    expect(
      problems(
        edit('    - name: shop-images-4711\n', '    - name: shop-images-4711\n      encryption: aws:kms\n'),
      ),
    ).toEqual([
      'projects/shop.yaml:35:19: storage.buckets[0].encryption: the deployer can only turn on SSE-S3 (AES256) encryption, not "aws:kms": write true or AES256',
    ]);
    expect(
      problems(
        edit(
          '    - name: shop-images-4711\n',
          '    - name: shop-images-4711\n      publicAccessBlock: false\n',
        ),
      ),
    ).toEqual([
      'projects/shop.yaml:35:26: storage.buckets[0].publicAccessBlock: the deployer cannot open a bucket to the public (S3 blocks public access on new buckets): remove the key or write true',
    ]);
  });

  it('security groups naming each other, or themselves', () => {
    const cycle = edit(
      '        - { protocol: tcp, port: 443, cidr: 0.0.0.0/0 }',
      '        - { protocol: tcp, port: 443, group: db }',
    );
    expect(problems(cycle)).toEqual([
      'projects/shop.yaml:19:13: network.securityGroups[0].name: security groups web → db → web refer to each other in a cycle: the deployer creates each group with its rules, so one of them must not name the other',
    ]);
    expect(problems(edit('group: web }', 'group: db }'))).toEqual([
      'projects/shop.yaml:24:47: network.securityGroups[1].ingress[0].group: a group cannot name itself in its rules: the deployer creates the rules together with the group',
    ]);
  });

  it('a rule without its ports, and names used twice', () => {
    expect(
      problems(edit('{ protocol: tcp, port: 443, cidr: 0.0.0.0/0 }', '{ protocol: tcp, cidr: 0.0.0.0/0 }')),
    ).toEqual([
      'projects/shop.yaml:21:23: network.securityGroups[0].ingress[0].protocol: a tcp rule needs port (443) or ports (8000-8100)',
    ]);
    expect(problems(edit('    - name: private-a\n', '    - name: public-a\n'))).toEqual([
      'projects/shop.yaml:14:13: network.subnets[1].name: subnet "public-a" is already defined (network.subnets[0])',
    ]);
  });

  it('reserved tag keys and a project name that is not a name', () => {
    expect(problems(edit('region: eu-west-1\n', 'region: eu-west-1\ntags:\n  aws:owner: x\n'))).toEqual([
      'projects/shop.yaml:7:14: tags["aws:owner"]: tag keys starting with "aws:" are reserved by AWS',
    ]);
    expect(problems(edit('name: shop', 'name: Shop_1'))).toEqual([
      'projects/shop.yaml:2:7: name: a project name must start with a letter and use only a-z, 0-9 and "-" (at most 40 characters)',
    ]);
  });

  it('tag keys and values within AWS limits, counted in Unicode characters', () => {
    const withTags = (lines: string) => edit('region: eu-west-1\n', `region: eu-west-1\ntags:\n${lines}`);
    expect(problems(withTags(`  ${'k'.repeat(129)}: x\n`))).toEqual([
      `projects/shop.yaml:7:134: tags.${'k'.repeat(129)}: the tag key is 129 characters long and AWS allows at most 128: shorten it`,
    ]);
    expect(problems(withTags(`  team: ${'v'.repeat(257)}\n`))).toEqual([
      'projects/shop.yaml:7:9: tags.team: the tag value is 257 characters long and AWS allows at most 256: shorten it',
    ]);
    // An emoji is two UTF-16 units but one character for AWS.
    expect(
      parseBlueprint('projects/shop.yaml', withTags(`  ${'é'.repeat(128)}: ${'🚀'.repeat(256)}\n`)).errors,
    ).toEqual([]);
    expect(problems(withTags(`  team: ${'🚀'.repeat(257)}\n`))).toEqual([
      'projects/shop.yaml:7:9: tags.team: the tag value is 257 characters long and AWS allows at most 256: shorten it',
    ]);
    expect(problems(withTags(`  "": x\n`))).toEqual([
      'projects/shop.yaml:7:7: tags[""]: a tag key cannot be empty',
    ]);
  });

  it("tag keys that are AWS's or infradeck's own, in any case", () => {
    const withTags = (lines: string) => edit('region: eu-west-1\n', `region: eu-west-1\ntags:\n${lines}`);
    expect(
      problems(withTags('  AWS:CloudFormation:stack: x\n  Infradeck:Project: other\n  Name: mine\n')),
    ).toEqual([
      'projects/shop.yaml:7:29: tags["AWS:CloudFormation:stack"]: tag keys starting with "aws:" are reserved by AWS',
      'projects/shop.yaml:8:22: tags["Infradeck:Project"]: tag keys starting with "infradeck:" are set by infradeck itself: choose another key',
      'projects/shop.yaml:9:9: tags.Name: the Name tag is set by infradeck from each resource name: remove it',
    ]);
  });

  it("no more tags than fit next to infradeck's own in AWS's 50 per resource", () => {
    const tags = (n: number) => `tags:\n${Array.from({ length: n }, (_, i) => `  team-${i}: x\n`).join('')}`;
    const withTags = (n: number, text = good) =>
      text.replace('region: eu-west-1\n', `region: eu-west-1\n${tags(n)}`);
    // With instances: Name, infradeck:project, :logical-id, :deploy and, on instances, :spec.
    expect(problems(withTags(46))).toEqual([
      'projects/shop.yaml:7:3: tags: 46 tags, but at most 45 fit: AWS allows 50 tags per resource and infradeck adds 5 of its own to each instance (Name, infradeck:project, infradeck:logical-id, infradeck:deploy, infradeck:spec); remove 1',
    ]);
    const bucketsOnly = good.slice(0, good.indexOf('network:')) + good.slice(good.indexOf('storage:'));
    expect(problems(withTags(55, bucketsOnly))).toEqual([
      'projects/shop.yaml:7:3: tags: 55 tags, but at most 46 fit: AWS allows 50 tags per resource and infradeck adds 4 of its own to each resource (Name, infradeck:project, infradeck:logical-id, infradeck:deploy); remove 9',
    ]);

    // The largest accepted blueprints put exactly 50 tags on their fullest resource, deploy id included:
    // if the plan adds a tag, this count has to follow.
    const tagsReaching = (bp: Blueprint | undefined) =>
      Math.max(
        ...desiredResources(bp as Blueprint).map(
          (d) => Object.keys({ ...d.tags, [deployIdTag]: 'd-1' }).length,
        ),
      );
    for (const text of [withTags(45), withTags(46, bucketsOnly)]) {
      const { blueprint, errors } = parseBlueprint('projects/shop.yaml', text);
      expect(errors).toEqual([]);
      expect(tagsReaching(blueprint)).toBe(50);
    }
  });

  it('instances without a network', () => {
    const noNetwork = good.slice(0, good.indexOf('network:')) + good.slice(good.indexOf('compute:'));
    expect(problems(noNetwork)).toEqual([
      'projects/shop.yaml:11:15: compute.instances[0].subnet: instances need a network: add network.vpc and network.subnets',
    ]);
  });
});

describe('instance type suggestions', () => {
  it('suggest a real type for a near miss and nothing for nonsense', () => {
    expect(closestInstanceType('m5.larg')).toBe('m5.large');
    expect(closestInstanceType('c6i.xlarg')).toBe('c6i.xlarge');
    expect(closestInstanceType('zzzzzzzz')).toBeUndefined();
  });
});
