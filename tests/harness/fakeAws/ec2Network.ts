import { AwsError, invalidParameterValue } from './awsError';
import { containsCidr, overlaps, parseCidr } from './cidr';
import { done, type Ec2Action, type Ec2Request } from './ec2Action';
import { applyFilters, readFilters } from './ec2Filters';
import type { RouteTable, Subnet, Vpc } from './ec2Model';
import { createDefaultSecurityGroup } from './ec2SecurityGroups';
import { tagSpecifications } from './ec2Tags';
import { internetGatewayXml, routeTableXml, subnetXml, vpcXml } from './ec2Xml';

/** VPCs, subnets, internet gateways and route tables. */

function dependencyViolation(noun: string, id: string): AwsError {
  return new AwsError('DependencyViolation', `The ${noun} '${id}' has dependencies and cannot be deleted.`);
}

function cidrParam(req: Ec2Request) {
  const text = req.params.required('CidrBlock');
  const block = parseCidr(text);
  if (!block)
    throw invalidParameterValue(
      `Value (${text}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  return { text, block };
}

function describe<T>(
  req: Ec2Request,
  kind: Parameters<typeof applyFilters>[0],
  idParam: string,
  render: (r: any) => T,
): T[] {
  const { world, region, params } = req;
  const picked = world.byIds(kind, region, params.strings(idParam)) ?? world.all(kind, region);
  return applyFilters(kind, picked, readFilters(params)).map(render);
}

/** A ClientToken seen before: the same answer if the parameters are the same, else IdempotentParameterMismatch. */
export function replay(req: Ec2Request, action: string, fingerprint: unknown): string[] | undefined {
  const token = req.params.string('ClientToken');
  if (!token) return undefined;
  const seen = req.world.clientTokens.get(`${req.region}/${action}/${token}`);
  if (!seen) return undefined;
  if (seen.fingerprint !== JSON.stringify(fingerprint)) {
    throw new AwsError(
      'IdempotentParameterMismatch',
      'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
    );
  }
  return seen.ids;
}

export function remember(req: Ec2Request, action: string, fingerprint: unknown, ids: string[]): void {
  const token = req.params.string('ClientToken');
  if (token)
    req.world.clientTokens.set(`${req.region}/${action}/${token}`, {
      fingerprint: JSON.stringify(fingerprint),
      ids,
    });
}

function createVpc(req: Ec2Request): Vpc {
  const { world, region } = req;
  const { text, block } = cidrParam(req);
  if (block.prefix < 16 || block.prefix > 28)
    throw new AwsError('InvalidVpc.Range', `The CIDR '${text}' is invalid.`);
  const tags = tagSpecifications(req.params, ['vpc']).get('vpc')!;
  const vpc = world.add<Vpc>({ kind: 'vpc', id: world.newId('vpc'), region, tags, cidr: text });
  const mainId = world.newId('route-table');
  world.add<RouteTable>({
    kind: 'route-table',
    id: mainId,
    region,
    tags: new Map(),
    vpcId: vpc.id,
    main: true,
    routes: [],
    associations: [{ id: world.newId('rtbassoc'), main: true }],
  });
  createDefaultSecurityGroup(world, region, vpc.id);
  return vpc;
}

function subnetsOf(req: Ec2Request, vpcId: string): Subnet[] {
  return req.world.all('subnet', req.region).filter((s) => s.vpcId === vpcId);
}

function liveInstancesIn(req: Ec2Request, where: (i: { subnetId: string; vpcId: string }) => boolean) {
  return req.world.all('instance', req.region).filter((i) => i.state !== 'terminated' && where(i));
}

export const networkActions: Record<string, Ec2Action> = {
  CreateVpc(req) {
    const vpc = createVpc(req);
    // EC2 answers a new VPC as pending; it is available by the next call.
    return { body: { vpc: vpcXml(vpc, req.world, 'pending') }, target: vpc.id };
  },
  DescribeVpcs: (req) => ({ body: { vpcSet: describe(req, 'vpc', 'VpcId', (v) => vpcXml(v, req.world)) } }),
  DeleteVpc(req) {
    const { world, region } = req;
    const vpc = world.get('vpc', region, req.params.required('VpcId'));
    const inVpc = <R extends { vpcId?: string }>(items: R[]) => items.filter((r) => r.vpcId === vpc.id);
    const blocked =
      subnetsOf(req, vpc.id).length > 0 ||
      inVpc(world.all('security-group', region)).some((g) => g.name !== 'default') ||
      inVpc(world.all('internet-gateway', region)).length > 0 ||
      inVpc(world.all('route-table', region)).some((t) => !t.main);
    if (blocked) throw dependencyViolation('vpc', vpc.id);
    for (const r of [
      ...inVpc(world.all('route-table', region)),
      ...inVpc(world.all('security-group', region)),
    ])
      world.remove(r.id);
    world.remove(vpc.id);
    return done(vpc.id);
  },

  CreateSubnet(req) {
    const { world, region, params } = req;
    const vpc = world.get('vpc', region, params.required('VpcId'));
    const { text, block } = cidrParam(req);
    if (block.prefix < 16 || block.prefix > 28 || !containsCidr(parseCidr(vpc.cidr)!, block))
      throw new AwsError('InvalidSubnet.Range', `The CIDR '${text}' is invalid.`);
    if (subnetsOf(req, vpc.id).some((s) => overlaps(parseCidr(s.cidr)!, block)))
      throw new AwsError('InvalidSubnet.Conflict', `The CIDR '${text}' conflicts with another subnet`);
    const zones = ['a', 'b', 'c'].map((z) => `${region}${z}`);
    const zone = params.string('AvailabilityZone') ?? zones[0];
    if (!zones.includes(zone)) {
      throw invalidParameterValue(
        `Value (${zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.join(', ')}.`,
      );
    }
    const tags = tagSpecifications(params, ['subnet']).get('subnet')!;
    const subnet = world.add<Subnet>({
      kind: 'subnet',
      id: world.newId('subnet'),
      region,
      tags,
      vpcId: vpc.id,
      cidr: text,
      availabilityZone: zone,
      mapPublicIpOnLaunch: false,
      usedHosts: new Set(),
    });
    return { body: { subnet: subnetXml(subnet, world) }, target: subnet.id };
  },
  ModifySubnetAttribute(req) {
    const subnet = req.world.get('subnet', req.region, req.params.required('SubnetId'));
    const map = req.params.struct('MapPublicIpOnLaunch')?.boolean('Value');
    if (map === undefined) {
      throw new AwsError(
        'InvalidParameterCombination',
        'This fake EC2 endpoint changes MapPublicIpOnLaunch only; give MapPublicIpOnLaunch.Value.',
      );
    }
    subnet.mapPublicIpOnLaunch = map;
    return done(subnet.id);
  },
  DescribeSubnets: (req) => ({
    body: { subnetSet: describe(req, 'subnet', 'SubnetId', (s) => subnetXml(s, req.world)) },
  }),
  DeleteSubnet(req) {
    const { world, region } = req;
    const subnet = world.get('subnet', region, req.params.required('SubnetId'));
    if (liveInstancesIn(req, (i) => i.subnetId === subnet.id).length)
      throw dependencyViolation('subnet', subnet.id);
    // The subnet's route table association goes with it.
    for (const t of world.all('route-table', region))
      t.associations = t.associations.filter((a) => a.subnetId !== subnet.id);
    world.remove(subnet.id);
    return done(subnet.id);
  },

  CreateInternetGateway(req) {
    const { world, region } = req;
    const tags = tagSpecifications(req.params, ['internet-gateway']).get('internet-gateway')!;
    const gw = world.add({ kind: 'internet-gateway', id: world.newId('internet-gateway'), region, tags });
    return { body: { internetGateway: internetGatewayXml(gw, world) }, target: gw.id };
  },
  AttachInternetGateway(req) {
    const { world, region, params } = req;
    const gw = world.get('internet-gateway', region, params.required('InternetGatewayId'));
    const vpc = world.get('vpc', region, params.required('VpcId'));
    if (gw.vpcId)
      throw new AwsError(
        'Resource.AlreadyAssociated',
        `resource ${gw.id} is already attached to network ${gw.vpcId}`,
      );
    const other = world.all('internet-gateway', region).find((g) => g.vpcId === vpc.id);
    if (other)
      throw new AwsError(
        'Resource.AlreadyAssociated',
        `Network ${vpc.id} already has an internet gateway attached`,
      );
    gw.vpcId = vpc.id;
    return done(gw.id);
  },
  DetachInternetGateway(req) {
    const { world, region, params } = req;
    const gw = world.get('internet-gateway', region, params.required('InternetGatewayId'));
    const vpc = world.get('vpc', region, params.required('VpcId'));
    if (gw.vpcId !== vpc.id)
      throw new AwsError('Gateway.NotAttached', `resource ${gw.id} is not attached to network ${vpc.id}`);
    if (liveInstancesIn(req, (i) => i.vpcId === vpc.id).some((i) => i.publicIp)) {
      throw new AwsError(
        'DependencyViolation',
        `Network ${vpc.id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    gw.vpcId = undefined;
    return done(gw.id);
  },
  DeleteInternetGateway(req) {
    const gw = req.world.get('internet-gateway', req.region, req.params.required('InternetGatewayId'));
    if (gw.vpcId) throw dependencyViolation('internetGateway', gw.id);
    req.world.remove(gw.id);
    return done(gw.id);
  },
  DescribeInternetGateways: (req) => ({
    body: {
      internetGatewaySet: describe(req, 'internet-gateway', 'InternetGatewayId', (g) =>
        internetGatewayXml(g, req.world),
      ),
    },
  }),

  CreateRouteTable(req) {
    const { world, region, params } = req;
    const vpcId = params.required('VpcId');
    const fingerprint = [vpcId, params.list('TagSpecification').map((t) => t.tree)];
    const earlier = replay(req, 'CreateRouteTable', fingerprint)?.[0];
    const existing = earlier ? world.find('route-table', region, earlier) : undefined;
    if (existing)
      return {
        body: { routeTable: routeTableXml(existing, world), clientToken: params.string('ClientToken') },
        target: existing.id,
      };
    world.get('vpc', region, vpcId);
    const tags = tagSpecifications(params, ['route-table']).get('route-table')!;
    const table = world.add<RouteTable>({
      kind: 'route-table',
      id: world.newId('route-table'),
      region,
      tags,
      vpcId,
      main: false,
      routes: [],
      associations: [],
    });
    remember(req, 'CreateRouteTable', fingerprint, [table.id]);
    return {
      body: { routeTable: routeTableXml(table, world), clientToken: params.string('ClientToken') },
      target: table.id,
    };
  },
  CreateRoute(req) {
    const { table, destination, gatewayId } = routeParams(req);
    const vpc = req.world.get('vpc', req.region, table.vpcId);
    if (destination === vpc.cidr || table.routes.some((r) => r.destination === destination))
      throw new AwsError('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
    table.routes.push({ destination, gatewayId, origin: 'CreateRoute' });
    return done(table.id);
  },
  ReplaceRoute(req) {
    const { table, destination, gatewayId } = routeParams(req);
    const route = table.routes.find((r) => r.destination === destination);
    if (!route) {
      throw new AwsError(
        'InvalidRoute.NotFound',
        `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`,
      );
    }
    route.gatewayId = gatewayId;
    return done(table.id);
  },
  DeleteRoute(req) {
    const { world, region, params } = req;
    const table = world.get('route-table', region, params.required('RouteTableId'));
    const destination = params.required('DestinationCidrBlock');
    if (destination === world.find('vpc', region, table.vpcId)?.cidr)
      throw invalidParameterValue(`cannot remove local route ${destination} in route table ${table.id}`);
    const before = table.routes.length;
    table.routes = table.routes.filter((r) => r.destination !== destination);
    if (table.routes.length === before) {
      throw new AwsError(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${destination} in route table ${table.id}`,
      );
    }
    return done(table.id);
  },
  AssociateRouteTable(req) {
    const { world, region, params } = req;
    const table = world.get('route-table', region, params.required('RouteTableId'));
    const subnet = world.get('subnet', region, params.required('SubnetId'));
    if (subnet.vpcId !== table.vpcId)
      throw invalidParameterValue(
        `Route table ${table.id} and subnet ${subnet.id} belong to different networks`,
      );
    if (world.all('route-table', region).some((t) => t.associations.some((a) => a.subnetId === subnet.id))) {
      throw new AwsError(
        'Resource.AlreadyAssociated',
        `the specified association for route table ${table.id} conflicts with an existing association`,
      );
    }
    const id = world.newId('rtbassoc');
    table.associations.push({ id, subnetId: subnet.id, main: false });
    return { body: { associationId: id, associationState: { state: 'associated' } }, target: table.id };
  },
  DisassociateRouteTable(req) {
    const { world, region, params } = req;
    const id = params.required('AssociationId');
    const table = world.all('route-table', region).find((t) => t.associations.some((a) => a.id === id));
    if (!table)
      throw new AwsError('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
    if (table.associations.find((a) => a.id === id)?.main)
      throw invalidParameterValue(`cannot disassociate the main route table association ${id}`);
    table.associations = table.associations.filter((a) => a.id !== id);
    return done(table.id);
  },
  DescribeRouteTables: (req) => ({
    body: { routeTableSet: describe(req, 'route-table', 'RouteTableId', (t) => routeTableXml(t, req.world)) },
  }),
  DeleteRouteTable(req) {
    const table = req.world.get('route-table', req.region, req.params.required('RouteTableId'));
    if (table.main || table.associations.length) throw dependencyViolation('routeTable', table.id);
    req.world.remove(table.id);
    return done(table.id);
  },
};

function routeParams(req: Ec2Request) {
  const { world, region, params } = req;
  const table = world.get('route-table', region, params.required('RouteTableId'));
  const destination = params.required('DestinationCidrBlock');
  if (!parseCidr(destination))
    throw invalidParameterValue(
      `Value (${destination}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
    );
  const gatewayId = params.string('GatewayId');
  if (!gatewayId) {
    throw new AwsError(
      'InvalidParameterCombination',
      'This fake EC2 endpoint routes to internet gateways only; give GatewayId.',
    );
  }
  const gw = world.get('internet-gateway', region, gatewayId);
  if (gw.vpcId !== table.vpcId)
    throw invalidParameterValue(
      `route table ${table.id} and network gateway ${gw.id} belong to different networks`,
    );
  return { table, destination, gatewayId };
}
