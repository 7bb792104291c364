import { AwsError, invalidParameterValue, missingParameter } from './awsError';
import { parseCidr } from './cidr';
import type { Ec2Action, Ec2Request } from './ec2Action';
import { applyFilters, readFilters } from './ec2Filters';
import type { Ec2World, Rule, SecurityGroup } from './ec2Model';
import { tagSpecifications } from './ec2Tags';
import { ipPermissionsXml, securityGroupXml, tagSet } from './ec2Xml';
import type { QueryParams } from './queryParams';

/** Security groups and their rules, with EC2's duplicate, not-found and in-use answers. */

const protocolNames: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

function allTraffic(world: Ec2World, cidr = '0.0.0.0/0'): Rule {
  return { id: world.newId('sgr'), protocol: '-1', cidr };
}

export function createDefaultSecurityGroup(world: Ec2World, region: string, vpcId: string): SecurityGroup {
  const id = world.newId('security-group');
  return world.add<SecurityGroup>({
    kind: 'security-group',
    id,
    region,
    tags: new Map(),
    vpcId,
    name: 'default',
    description: 'default VPC security group',
    ingress: [{ id: world.newId('sgr'), protocol: '-1', groupId: id }],
    egress: [allTraffic(world)],
  });
}

/** The rules of `IpPermissions.N` (and the older top-level CidrIp form), one per source. */
function readRules(req: Ec2Request): Rule[] {
  const { world, region, params } = req;
  const permissions: QueryParams[] = params.list('IpPermissions');
  if (params.string('IpProtocol')) permissions.push(params);
  if (permissions.length === 0) throw missingParameter('IpPermissions');
  return permissions.flatMap((p) => {
    const given = p.required('IpProtocol').toLowerCase();
    const protocol = protocolNames[given] ?? given;
    if (!['tcp', 'udp', 'icmp', '-1'].includes(protocol))
      throw invalidParameterValue(`Invalid value '${given}' for IP protocol. Unknown protocol.`);
    let fromPort = p.number('FromPort');
    let toPort = p.number('ToPort');
    if (protocol === '-1') {
      fromPort = undefined;
      toPort = undefined;
    } else if (fromPort === undefined || toPort === undefined) {
      throw invalidParameterValue(
        `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`,
      );
    } else if (protocol !== 'icmp' && (fromPort < 0 || toPort > 65535 || fromPort > toPort)) {
      throw invalidParameterValue(`Invalid value '${fromPort}-${toPort}' for portRange`);
    }
    const base = { protocol, fromPort, toPort };
    const cidrs = p
      .list('IpRanges')
      .map((r) => ({ cidr: r.required('CidrIp'), description: r.string('Description') }));
    if (p.string('CidrIp')) cidrs.push({ cidr: p.string('CidrIp')!, description: undefined });
    for (const c of cidrs) {
      if (!parseCidr(c.cidr)) throw invalidParameterValue(`CIDR block ${c.cidr} is malformed`);
    }
    const groups = p.list('Groups').map((g) => {
      const groupId = g.string('GroupId');
      if (!groupId) throw missingParameter('GroupId');
      world.get('security-group', region, groupId);
      return { groupId, description: g.string('Description') };
    });
    if (cidrs.length + groups.length === 0)
      throw missingParameter('IpPermissions.N.IpRanges or IpPermissions.N.Groups');
    return [...cidrs, ...groups].map((source) => ({ id: world.newId('sgr'), ...base, ...source }));
  });
}

function sameRule(a: Rule, b: Rule): boolean {
  return (
    a.protocol === b.protocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.cidr === b.cidr &&
    a.groupId === b.groupId
  );
}

function describeRule(r: Rule): string {
  const what =
    r.protocol === '-1'
      ? 'ALL'
      : `${r.protocol.toUpperCase()}, from port: ${r.fromPort}, to port: ${r.toPort}`;
  return `peer: ${r.cidr ?? r.groupId}, ${what}, ALLOW`;
}

function ruleSetXml(group: SecurityGroup, rules: Rule[], egress: boolean, world: Ec2World) {
  return rules.map((r) => ({
    securityGroupRuleId: r.id,
    groupId: group.id,
    groupOwnerId: world.account,
    isEgress: egress,
    ipProtocol: r.protocol,
    fromPort: r.fromPort ?? -1,
    toPort: r.toPort ?? -1,
    cidrIpv4: r.cidr,
    referencedGroupInfo: r.groupId ? { groupId: r.groupId, userId: world.account } : undefined,
    description: r.description,
  }));
}

function authorize(direction: 'ingress' | 'egress'): Ec2Action {
  return (req) => {
    const group = req.world.get('security-group', req.region, req.params.required('GroupId'));
    const added = readRules(req);
    const rules = group[direction];
    added.forEach((r, i) => {
      if (rules.some((x) => sameRule(x, r)) || added.slice(0, i).some((x) => sameRule(x, r)))
        throw new AwsError(
          'InvalidPermission.Duplicate',
          `the specified rule "${describeRule(r)}" already exists`,
        );
    });
    if (rules.length + added.length > 60)
      throw new AwsError(
        'RulesPerSecurityGroupLimitExceeded',
        'The maximum number of rules per security group has been reached.',
      );
    rules.push(...added);
    return {
      body: {
        return: true,
        securityGroupRuleSet: ruleSetXml(group, added, direction === 'egress', req.world),
      },
      target: group.id,
    };
  };
}

/** Revokes what matches; what does not is answered back, and nothing matching at all is InvalidPermission.NotFound. */
function revoke(direction: 'ingress' | 'egress'): Ec2Action {
  return (req) => {
    const group = req.world.get('security-group', req.region, req.params.required('GroupId'));
    const asked = readRules(req);
    const found = asked.map((r) => group[direction].find((x) => sameRule(x, r)));
    if (found.every((r) => !r))
      throw new AwsError(
        'InvalidPermission.NotFound',
        'The specified rule does not exist in this security group.',
      );
    group[direction] = group[direction].filter((x) => !found.includes(x));
    const unknown = asked.filter((_, i) => !found[i]);
    return {
      body: {
        return: true,
        unknownIpPermissionSet: unknown.length ? ipPermissionsXml(unknown, req.world) : undefined,
        revokedSecurityGroupRuleSet: found
          .filter((r): r is Rule => Boolean(r))
          .map((r) => ({
            securityGroupRuleId: r.id,
            groupId: group.id,
            isEgress: direction === 'egress',
            ipProtocol: r.protocol,
            fromPort: r.fromPort ?? -1,
            toPort: r.toPort ?? -1,
            cidrIpv4: r.cidr,
            referencedGroupId: r.groupId,
            description: r.description,
          })),
      },
      target: group.id,
    };
  };
}

export const securityGroupActions: Record<string, Ec2Action> = {
  CreateSecurityGroup(req) {
    const { world, region, params } = req;
    const name = params.required('GroupName');
    const description = params.required('GroupDescription');
    const vpcId = params.string('VpcId');
    if (!vpcId) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
    world.get('vpc', region, vpcId);
    if (name === 'default')
      throw new AwsError('InvalidGroup.Reserved', "The security group 'default' is reserved");
    if (name.startsWith('sg-')) throw invalidParameterValue('Group names may not be in the format sg-*.');
    if (world.all('security-group', region).some((g) => g.vpcId === vpcId && g.name === name))
      throw new AwsError(
        'InvalidGroup.Duplicate',
        `The security group '${name}' already exists for VPC '${vpcId}'`,
      );
    const tags = tagSpecifications(params, ['security-group']).get('security-group')!;
    const group = world.add<SecurityGroup>({
      kind: 'security-group',
      id: world.newId('security-group'),
      region,
      tags,
      vpcId,
      name,
      description,
      ingress: [],
      egress: [allTraffic(world)],
    });
    return {
      body: {
        return: true,
        groupId: group.id,
        securityGroupArn: `arn:aws:ec2:${region}:${world.account}:security-group/${group.id}`,
        tagSet: tagSet(tags),
      },
      target: group.id,
    };
  },
  DescribeSecurityGroups(req) {
    const { world, region, params } = req;
    const [name] = params.strings('GroupName');
    if (name) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
    const picked =
      world.byIds('security-group', region, params.strings('GroupId')) ?? world.all('security-group', region);
    const groups = applyFilters('security-group', picked, readFilters(params));
    return { body: { securityGroupInfo: groups.map((g) => securityGroupXml(g, world)) } };
  },
  DeleteSecurityGroup(req) {
    const { world, region, params } = req;
    const id = params.string('GroupId');
    if (!id) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
    const group = world.get('security-group', region, id);
    if (group.name === 'default')
      throw new AwsError(
        'CannotDelete',
        `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
      );
    const referenced = world
      .all('security-group', region)
      .some((g) => g.id !== group.id && [...g.ingress, ...g.egress].some((r) => r.groupId === group.id));
    const used = world
      .all('instance', region)
      .some((i) => i.state !== 'terminated' && i.groupIds.includes(group.id));
    if (referenced || used)
      throw new AwsError('DependencyViolation', `resource ${group.id} has a dependent object`);
    world.remove(group.id);
    return { body: { return: true, groupId: group.id }, target: group.id };
  },
  AuthorizeSecurityGroupIngress: authorize('ingress'),
  AuthorizeSecurityGroupEgress: authorize('egress'),
  RevokeSecurityGroupIngress: revoke('ingress'),
  RevokeSecurityGroupEgress: revoke('egress'),
};
