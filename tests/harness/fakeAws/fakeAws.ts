import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from './awsError';
import { answerEc2, ec2Error, isMutating } from './ec2Api';
import { Ec2World, type KeyPair } from './ec2Model';
import { regionImages } from './images';
import { requestBody } from './requestBody';
import { answerS3, isS3Mutating, type S3Call, type S3World, s3Error } from './s3Api';
import type { PublicAccessBlock } from './s3Model';
import type { ServiceAnswer } from './serviceAnswer';
import { answerSsm } from './ssmApi';
import { answerSts, stsError } from './stsApi';

export { al2023ImageId, latestAl2023Parameter } from './images';

export type FakeAwsService = 'ec2' | 's3' | 'sts' | 'ssm';

export interface FakeAwsCall {
  service: FakeAwsService;
  action: string;
  /** Who called: the name given to `endpoint(caller)` for the port the call arrived on. */
  caller: string;
  region: string;
  mutating: boolean;
  /** The id or bucket acted on or made, when known (several ids joined by commas). */
  target?: string;
  /** The error code, when the call was answered with an error. */
  error?: string;
  /** The change was made but the connection was dropped instead of answered. */
  dropped?: boolean;
}

export type AfterMutation = (call: FakeAwsCall) => 'answer' | 'drop' | Promise<'answer' | 'drop'>;

export interface FakeAwsOptions {
  /** Default '123456789012'. */
  account?: string;
  /** What DescribeRegions lists and where EC2 answers; default ['eu-west-1', 'us-east-1']. */
  regions?: string[];
  /**
   * Called after a mutating call has been carried out (the world changed), before it is answered.
   * 'drop' destroys the socket with no answer (the caller never learns the outcome).
   */
  afterMutation?: AfterMutation;
  /** Existing key pairs (RunInstances checks KeyName). */
  keyPairs?: { region: string; name: string }[];
  /** AMI ids known in every region besides Amazon Linux 2023 (x86_64, root device /dev/xvda). */
  imageIds?: string[];
  /** Bucket names another account owns. */
  takenBucketNames?: string[];
}

export type FakeResourceType =
  | 'vpc'
  | 'subnet'
  | 'internet-gateway'
  | 'route-table'
  | 'security-group'
  | 'instance'
  | 'volume'
  | 'bucket';

export interface FakeResource {
  type: FakeResourceType;
  id: string;
  region: string;
  tags: Record<string, string>;
  state?: string;
  /** Made by AWS with its VPC: the main route table, the default security group. */
  implicit?: boolean;
}

export interface FakeBucket {
  name: string;
  region: string;
  versioning?: 'Enabled' | 'Suspended';
  encryption: boolean;
  publicAccessBlock?: PublicAccessBlock;
  tags: Record<string, string>;
  /** Object versions and delete markers held. */
  versions: number;
}

export interface FakeAws {
  /** A base URL on its own port; calls arriving there are attributed to `caller`. Same world behind every port. */
  endpoint(caller: string): Promise<string>;
  readonly calls: FakeAwsCall[];
  /** Every resource that exists now (terminated instances included, with state 'terminated'). */
  resources(): FakeResource[];
  bucket(name: string): FakeBucket | undefined;
  setAfterMutation(fn?: AfterMutation): void;
  /** Empties the world and the call log; AMIs, SSM parameters, key pairs and regions stay. */
  reset(): void;
  close(): Promise<void>;
}

const services: FakeAwsService[] = ['ec2', 's3', 'sts', 'ssm'];

/** Service and region from the SigV4 credential scope: `Credential=AKID/20250101/eu-west-1/ec2/aws4_request`. */
function credentialScope(req: IncomingMessage): { service?: FakeAwsService; region?: string } {
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
  const service = services.find((s) => s === m?.[2]);
  return { service, region: m?.[1] };
}

/** Unsigned requests still say what they are for: a JSON target, a query Version, or else S3's REST. */
function guessService(req: IncomingMessage, body: string): FakeAwsService {
  if (req.headers['x-amz-target']) return 'ssm';
  if (/(^|&)Version=2011-06-15(&|$)/.test(body)) return 'sts';
  if (/(^|&)Action=/.test(body)) return 'ec2';
  return 's3';
}

function s3Call(req: IncomingMessage, region: string, headers: Record<string, string>): S3Call {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname.slice(1);
  const slash = path.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash)) || undefined;
  const key = slash < 0 ? undefined : decodeURIComponent(path.slice(slash + 1)) || undefined;
  return { method: req.method ?? 'GET', bucket, key, query: url.searchParams, headers, region };
}

/** What each service answers a request that is not signed (or signed for a region EC2 does not have). */
const unsigned: Record<FakeAwsService, () => AwsError> = {
  ec2: () => new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401),
  sts: () => new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  ssm: () => new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400),
  s3: () => new AwsError('AccessDenied', 'Access Denied', 403),
};

function errorAnswer(service: FakeAwsService, e: AwsError, s3Request: () => S3Call): ServiceAnswer {
  switch (service) {
    case 'ec2':
      return ec2Error(e, '?');
    case 'sts':
      return stsError(e, '?');
    case 's3':
      return s3Error(e, '?', s3Request());
    case 'ssm':
      return {
        status: e.status,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: e.code, message: e.message }),
        action: '?',
        error: e.code,
      };
  }
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const account = options.account ?? '123456789012';
  const regions = options.regions ?? ['eu-west-1', 'us-east-1'];
  const keyPairs: KeyPair[] = (options.keyPairs ?? []).map((k, i) => ({
    ...k,
    id: `key-${(i + 1).toString(16).padStart(17, '0')}`,
  }));
  const ec2 = new Ec2World(
    account,
    regions,
    (region) => regionImages(region, options.imageIds ?? []),
    keyPairs,
  );
  const s3: S3World = { account, regions, buckets: new Map(), takenNames: new Set(options.takenBucketNames) };
  const calls: FakeAwsCall[] = [];
  let afterMutation = options.afterMutation;
  const servers = new Map<string, { server: Server; url: string }>();

  async function answer(
    req: IncomingMessage,
  ): Promise<{ service: FakeAwsService; region: string; out: ServiceAnswer }> {
    const scope = credentialScope(req);
    let region = scope.region ?? 'us-east-1';
    let service: FakeAwsService = scope.service ?? 's3';
    let headers: Record<string, string> = {};
    try {
      const body = await requestBody(req);
      headers = body.headers;
      const text = body.bytes.toString('utf8');
      service = scope.service ?? guessService(req, text);
      if (!scope.service) throw unsigned[service]();
      switch (service) {
        case 'ec2':
          if (!regions.includes(region)) throw unsigned.ec2();
          return { service, region, out: answerEc2(ec2, region, text) };
        case 'sts':
          return { service, region, out: answerSts(account, text) };
        case 'ssm':
          return { service, region, out: answerSsm(region, req.headers['x-amz-target'] as string, text) };
        case 's3':
          return { service, region, out: answerS3(s3, s3Call(req, region, headers), body) };
      }
    } catch (err) {
      region = scope.region ?? region;
      const e = err instanceof AwsError ? err : new AwsError('InternalError', String(err), 500);
      return { service, region, out: errorAnswer(service, e, () => s3Call(req, region, headers)) };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, caller: string): Promise<void> {
    const { service, region, out } = await answer(req);
    const mutating =
      service === 'ec2' ? isMutating(out.action) : service === 's3' ? isS3Mutating(out.action) : false;
    const call: FakeAwsCall = { service, action: out.action, caller, region, mutating, target: out.target };
    if (out.error) call.error = out.error;
    calls.push(call);
    if (mutating && !out.error && afterMutation && (await afterMutation(call)) === 'drop') {
      call.dropped = true;
      req.socket.destroy();
      return;
    }
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  }

  function resources(): FakeResource[] {
    const out: FakeResource[] = [...ec2.items.values()].map((r) => {
      const state =
        r.kind === 'instance' || r.kind === 'volume'
          ? r.state
          : r.kind === 'internet-gateway'
            ? r.vpcId
              ? 'attached'
              : 'detached'
            : r.kind === 'vpc' || r.kind === 'subnet'
              ? 'available'
              : undefined;
      const implicit =
        (r.kind === 'route-table' && r.main) || (r.kind === 'security-group' && r.name === 'default');
      return {
        type: r.kind,
        id: r.id,
        region: r.region,
        tags: Object.fromEntries(r.tags),
        ...(state ? { state } : {}),
        ...(implicit ? { implicit } : {}),
      };
    });
    for (const b of s3.buckets.values())
      out.push({ type: 'bucket', id: b.name, region: b.region, tags: Object.fromEntries(b.tags ?? []) });
    return out;
  }

  return {
    calls,
    async endpoint(caller) {
      const known = servers.get(caller);
      if (known) return known.url;
      const server = createServer((req, res) => {
        handle(req, res, caller).catch((err) => {
          res.destroy(err instanceof Error ? err : new Error(String(err)));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      servers.set(caller, { server, url });
      return url;
    },
    resources,
    bucket(name) {
      const b = s3.buckets.get(name);
      if (!b) return undefined;
      return {
        name: b.name,
        region: b.region,
        versioning: b.versioning,
        encryption: Boolean(b.encryption),
        publicAccessBlock: b.publicAccessBlock && { ...b.publicAccessBlock },
        tags: Object.fromEntries(b.tags ?? []),
        versions: [...b.objects.values()].reduce((n, v) => n + v.length, 0),
      };
    },
    setAfterMutation(fn) {
      afterMutation = fn;
    },
    reset() {
      ec2.reset();
      s3.buckets.clear();
      calls.length = 0;
    },
    async close() {
      await Promise.all(
        [...servers.values()].map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      servers.clear();
    },
  };
}
