import { AwsError, invalidParameterValue, missingParameter } from './awsError';
import { ipAt, parseCidr } from './cidr';
import { done, type Ec2Action, type Ec2Request } from './ec2Action';
import { applyFilters, matchesFilters, readFilters } from './ec2Filters';
import type { Instance, InstanceStateName, Volume } from './ec2Model';
import { remember, replay } from './ec2Network';
import { tagSpecifications } from './ec2Tags';
import { instanceStateXml, reservationXml, volumeXml } from './ec2Xml';

/** Instances and their root volumes, images, key pairs and regions. */

const rootSnapshotGiB = 8;

function imageParam(req: Ec2Request, id: string) {
  if (!/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id))
    throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
  const image = req.world.image(req.region, id);
  if (!image) throw new AwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  return image;
}

/** Graviton families (t4g, m7g, c6gn, ...) are arm64; the rest x86_64. */
function typeArchitecture(type: string): 'arm64' | 'x86_64' {
  return /^[a-z]+\d+g[a-z]*\./.test(type) ? 'arm64' : 'x86_64';
}

function launch(req: Ec2Request): Instance[] {
  const { world, region, params } = req;
  const image = imageParam(req, params.required('ImageId'));
  const min = params.number('MinCount');
  const max = params.number('MaxCount');
  if (min === undefined) throw missingParameter('MinCount');
  if (max === undefined) throw missingParameter('MaxCount');
  if (min < 1 || max < min) throw invalidParameterValue(`Invalid value '${max}' for maxCount`);
  const instanceType = params.string('InstanceType') ?? 'm1.small';
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType))
    throw invalidParameterValue(`Invalid value '${instanceType}' for InstanceType.`);
  if (typeArchitecture(instanceType) !== image.architecture) {
    throw invalidParameterValue(
      `The architecture '${typeArchitecture(instanceType)}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.`,
    );
  }
  const subnetId = params.string('SubnetId');
  if (!subnetId) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
  const subnet = world.get('subnet', region, subnetId);
  if (params.strings('SecurityGroup').length)
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter groupName cannot be used with the parameter subnet',
    );
  const groupIds = params.strings('SecurityGroupId');
  for (const id of groupIds) {
    const group = world.find('security-group', region, id);
    if (!group)
      throw new AwsError(
        'InvalidGroup.NotFound',
        `The security group '${id}' does not exist in VPC '${subnet.vpcId}'`,
      );
    if (group.vpcId !== subnet.vpcId)
      throw invalidParameterValue(
        `Security group ${id} and subnet ${subnet.id} belong to different networks.`,
      );
  }
  if (groupIds.length === 0) {
    const fallback = world
      .all('security-group', region)
      .find((g) => g.vpcId === subnet.vpcId && g.name === 'default');
    if (fallback) groupIds.push(fallback.id);
  }
  const keyName = params.string('KeyName');
  if (keyName && !world.keyPairs.some((k) => k.region === region && k.name === keyName))
    throw new AwsError('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
  let size = rootSnapshotGiB;
  let volumeType = 'gp3';
  let deleteOnTermination = true;
  for (const mapping of params.list('BlockDeviceMapping')) {
    if (mapping.string('DeviceName') !== image.rootDeviceName) {
      throw new AwsError(
        'InvalidParameterCombination',
        `This fake EC2 endpoint maps the root device (${image.rootDeviceName}) only, not ${mapping.string('DeviceName')}.`,
      );
    }
    const ebs = mapping.struct('Ebs');
    size = ebs?.number('VolumeSize') ?? size;
    volumeType = ebs?.string('VolumeType') ?? volumeType;
    deleteOnTermination = ebs?.boolean('DeleteOnTermination') ?? deleteOnTermination;
    if (size < rootSnapshotGiB) {
      throw new AwsError(
        'InvalidBlockDeviceMapping',
        `Volume of size ${size}GB is smaller than snapshot 'snap-0123456789abcdef0', expect size >= ${rootSnapshotGiB}GB`,
      );
    }
  }
  const tags = tagSpecifications(params, ['instance', 'volume', 'network-interface']);
  const block = parseCidr(subnet.cidr)!;
  const free: number[] = [];
  for (let host = 4; host < block.size - 1 && free.length < max; host++)
    if (!subnet.usedHosts.has(host)) free.push(host);
  if (free.length < min) {
    throw new AwsError(
      'InsufficientFreeAddressesInSubnet',
      `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`,
    );
  }
  const reservationId = world.newId('r');
  const launchTime = new Date();
  return free.map((host, launchIndex) => {
    subnet.usedHosts.add(host);
    const id = world.newId('instance');
    const volume = world.add<Volume>({
      kind: 'volume',
      id: world.newId('volume'),
      region,
      tags: new Map(tags.get('volume')),
      size,
      volumeType,
      availabilityZone: subnet.availabilityZone,
      state: 'in-use',
      instanceId: id,
      device: image.rootDeviceName,
      deleteOnTermination,
      createTime: launchTime,
    });
    return world.add<Instance>({
      kind: 'instance',
      id,
      region,
      tags: new Map(tags.get('instance')),
      reservationId,
      imageId: image.id,
      instanceType,
      architecture: image.architecture,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      groupIds: [...groupIds],
      privateIp: ipAt(block, host),
      publicIp: subnet.mapPublicIpOnLaunch ? `203.0.113.${(host % 250) + 1}` : undefined,
      keyName,
      state: 'pending',
      launchTime,
      launchIndex,
      clientToken: params.string('ClientToken'),
      rootDeviceName: image.rootDeviceName,
      rootVolumeId: volume.id,
      userData: params.string('UserData'),
    });
  });
}

/** Changes the state of each instance asked, as Start/Stop/TerminateInstances answer it. */
function transition(
  next: (i: Instance) => InstanceStateName,
  element: string,
  refuse: (i: Instance) => boolean,
  verb: string,
): Ec2Action {
  return (req) => {
    const ids = req.params.strings('InstanceId');
    if (ids.length === 0) throw missingParameter('InstanceId');
    const instances = req.world.byIds('instance', req.region, ids)!;
    for (const i of instances) {
      if (refuse(i))
        throw new AwsError(
          'IncorrectInstanceState',
          `The instance '${i.id}' is not in a state from which it can be ${verb}.`,
        );
    }
    const changes = instances.map((i) => {
      const previous = i.state;
      i.state = next(i);
      if (i.state === 'shutting-down' || i.state === 'stopping') i.publicIp = undefined;
      return {
        instanceId: i.id,
        currentState: instanceStateXml(i.state),
        previousState: instanceStateXml(previous),
      };
    });
    return { body: { [element]: changes }, target: ids.join(',') };
  };
}

const gone = (i: Instance) => i.state === 'terminated' || i.state === 'shutting-down';

export const instanceActions: Record<string, Ec2Action> = {
  RunInstances(req) {
    const { world, region, params } = req;
    const { ClientToken: _, ...fingerprint } = params.tree;
    const earlier = replay(req, 'RunInstances', fingerprint);
    const instances = earlier
      ? earlier.map((id) => world.find('instance', region, id)).filter((i): i is Instance => Boolean(i))
      : launch(req);
    if (!earlier)
      remember(
        req,
        'RunInstances',
        fingerprint,
        instances.map((i) => i.id),
      );
    return {
      body: reservationXml(instances[0]?.reservationId ?? world.newId('r'), instances, world),
      target: instances.map((i) => i.id).join(','),
    };
  },
  DescribeInstances(req) {
    const { world, region, params } = req;
    world.settleInstances(region);
    const picked =
      world.byIds('instance', region, params.strings('InstanceId')) ?? world.all('instance', region);
    const instances = applyFilters('instance', picked, readFilters(params));
    const reservations = new Map<string, Instance[]>();
    for (const i of instances)
      reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), i]);
    return {
      body: { reservationSet: [...reservations].map(([id, list]) => reservationXml(id, list, world)) },
    };
  },
  TerminateInstances: transition(
    (i) => (i.state === 'terminated' ? 'terminated' : 'shutting-down'),
    'instancesSet',
    () => false,
    'terminated',
  ),
  StopInstances: transition(
    (i) => (i.state === 'stopped' ? 'stopped' : 'stopping'),
    'instancesSet',
    gone,
    'stopped',
  ),
  StartInstances: transition(
    (i) => (i.state === 'stopped' ? 'pending' : i.state),
    'instancesSet',
    (i) => gone(i) || i.state === 'stopping',
    'started',
  ),
  RebootInstances(req) {
    const ids = req.params.strings('InstanceId');
    const instances = req.world.byIds('instance', req.region, ids) ?? [];
    if (instances.some(gone))
      throw new AwsError(
        'IncorrectInstanceState',
        'The instance is not in a state from which it can be rebooted.',
      );
    return done(ids.join(','));
  },

  DescribeVolumes(req) {
    const { world, region, params } = req;
    const picked = world.byIds('volume', region, params.strings('VolumeId')) ?? world.all('volume', region);
    return {
      body: {
        volumeSet: applyFilters('volume', picked, readFilters(params)).map((v) => volumeXml(v, world)),
      },
    };
  },
  DeleteVolume(req) {
    const volume = req.world.get('volume', req.region, req.params.required('VolumeId'));
    if (volume.instanceId)
      throw new AwsError('VolumeInUse', `Volume ${volume.id} is currently attached to ${volume.instanceId}`);
    req.world.remove(volume.id);
    return done(volume.id);
  },

  DescribeImages(req) {
    const { world, region, params } = req;
    const ids = params.strings('ImageId');
    const images = ids.length ? ids.map((id) => imageParam(req, id)) : world.images(region);
    const filters = readFilters(params);
    const values: Record<string, (i: (typeof images)[number]) => string[]> = {
      'image-id': (i) => [i.id],
      name: (i) => [i.name],
      architecture: (i) => [i.architecture],
      state: () => ['available'],
    };
    const shown = images.filter((i) => matchesFilters(filters, (name) => values[name]?.(i)));
    return {
      body: {
        imagesSet: shown.map((i) => ({
          imageId: i.id,
          imageLocation: `amazon/${i.name}`,
          imageState: 'available',
          imageOwnerId: '137112412989',
          creationDate: '2025-01-01T00:00:00.000Z',
          isPublic: true,
          architecture: i.architecture,
          imageType: 'machine',
          name: i.name,
          imageOwnerAlias: 'amazon',
          rootDeviceType: 'ebs',
          rootDeviceName: i.rootDeviceName,
          blockDeviceMapping: [
            {
              deviceName: i.rootDeviceName,
              ebs: {
                snapshotId: 'snap-0123456789abcdef0',
                volumeSize: rootSnapshotGiB,
                deleteOnTermination: true,
                volumeType: 'gp3',
                encrypted: false,
              },
            },
          ],
          virtualizationType: 'hvm',
          hypervisor: 'xen',
          enaSupport: true,
          platformDetails: 'Linux/UNIX',
          bootMode: 'uefi-preferred',
          imdsSupport: 'v2.0',
        })),
      },
    };
  },
  DescribeKeyPairs(req) {
    const { world, region, params } = req;
    const mine = world.keyPairs.filter((k) => k.region === region);
    for (const name of params.strings('KeyName'))
      if (!mine.some((k) => k.name === name))
        throw new AwsError('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
    for (const id of params.strings('KeyPairId'))
      if (!mine.some((k) => k.id === id))
        throw new AwsError('InvalidKeyPair.NotFound', `The key pair '${id}' does not exist`);
    const names = params.strings('KeyName');
    const ids = params.strings('KeyPairId');
    const filters = readFilters(params);
    const shown = mine
      .filter((k) => (!names.length || names.includes(k.name)) && (!ids.length || ids.includes(k.id)))
      .filter((k) =>
        matchesFilters(filters, (name) =>
          name === 'key-name'
            ? [k.name]
            : name === 'key-pair-id'
              ? [k.id]
              : name.startsWith('tag')
                ? []
                : undefined,
        ),
      );
    return {
      body: {
        keySet: shown.map((k) => ({
          keyPairId: k.id,
          keyName: k.name,
          keyType: 'ed25519',
          keyFingerprint: 'uu3fSLSyMgF8JZIjrB6ZdrUpjL1k8S5+Rr3Q9BE7Xno=',
          createTime: new Date('2025-01-01T00:00:00Z'),
        })),
      },
    };
  },
  DescribeRegions(req) {
    const { world, params } = req;
    const names = params.strings('RegionName');
    for (const name of names)
      if (!world.regions.includes(name))
        throw new AwsError('InvalidParameterValue', `Invalid region: ${name}`);
    const filters = readFilters(params);
    const regions = world.regions
      .filter((r) => !names.length || names.includes(r))
      .filter((r) =>
        matchesFilters(filters, (name) =>
          name === 'region-name'
            ? [r]
            : name === 'endpoint'
              ? [`ec2.${r}.amazonaws.com`]
              : name === 'opt-in-status'
                ? ['opt-in-not-required']
                : undefined,
        ),
      );
    return {
      body: {
        regionInfo: regions.map((r) => ({
          regionName: r,
          regionEndpoint: `ec2.${r}.amazonaws.com`,
          optInStatus: 'opt-in-not-required',
        })),
      },
    };
  },
};
