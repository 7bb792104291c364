import { createHash } from 'node:crypto';
import { AwsError } from './awsError';
import { hasChecksum, type RequestBody } from './requestBody';
import type { Bucket } from './s3Model';
import { childText, parseXml, type XmlNode, XmlSyntaxError, type XmlValue, xmlDocument } from './xml';

/** What every S3 handler works with: the world, the parsed REST call, and S3's XML conventions. */

export const s3Xmlns = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface S3World {
  account: string;
  regions: string[];
  buckets: Map<string, Bucket>;
  /** Names another account owns: CreateBucket gets BucketAlreadyExists, everything else AccessDenied. */
  takenNames: Set<string>;
}

export interface S3Call {
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The signing region: the endpoint's region as far as S3 is concerned. */
  region: string;
}

export interface S3Result {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type S3Handler = (world: S3World, call: S3Call, body: RequestBody) => S3Result;

/** The canonical user id S3 shows as owner: 64 hex digits, one per account. */
export function canonicalId(account: string): string {
  return createHash('sha256').update(`canonical/${account}`).digest('hex');
}

export const malformedXml = () =>
  new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );

export function xml(root: string, body: Record<string, XmlValue>): S3Result {
  return { headers: { 'content-type': 'application/xml' }, body: xmlDocument(root, s3Xmlns, body, 'repeat') };
}

/** The request body as an XML document whose root is `root`, or MalformedXML. */
export function document(body: RequestBody, root: string): XmlNode {
  try {
    const node = parseXml(body.bytes.toString('utf8'));
    if (node.name !== root) throw new XmlSyntaxError(root);
    return node;
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    throw malformedXml();
  }
}

export function requireChecksum(body: RequestBody): void {
  if (!hasChecksum(body.headers))
    throw new AwsError('InvalidRequest', 'Missing required header for this request: Content-MD5');
}

export function bool(node: XmlNode, name: string): boolean {
  const text = childText(node, name);
  if (text !== undefined && text !== 'true' && text !== 'false') throw malformedXml();
  return text === 'true';
}

/** The bucket the call names; `answerS3` has checked it exists and is this account's. */
export function bucketOf(world: S3World, call: S3Call): Bucket {
  return world.buckets.get(call.bucket!)!;
}
