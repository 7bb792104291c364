import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import { AwsError } from './awsError';

export interface RequestBody {
  bytes: Buffer;
  /** Request headers plus the trailers of an aws-chunked body (`x-amz-checksum-crc32` and the like). */
  headers: Record<string, string>;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The payload of an `aws-chunked` body: `<hex size>[;chunk-signature=…]\r\n<data>\r\n` chunks up to a 0-size
 * one, then trailer lines. The SDK sends this for streamed PutObject with flexible checksums.
 */
function decodeAwsChunked(raw: Buffer): { bytes: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new AwsError('IncompleteBody', 'The request body terminated unexpectedly');
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size))
      throw new AwsError(
        'InvalidChunkSizeError',
        'Only the last chunk is allowed to have a size less than 8192 bytes',
      );
    at = eol + 2;
    if (size === 0) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of raw.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { bytes: Buffer.concat(parts), trailers };
}

function crc32(bytes: Buffer): string | undefined {
  const fn = (zlib as { crc32?: (b: Buffer) => number }).crc32;
  if (!fn) return undefined;
  const out = Buffer.alloc(4);
  out.writeUInt32BE(fn(bytes) >>> 0);
  return out.toString('base64');
}

function digest(algorithm: string, bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest('base64');
}

/**
 * The body as the service sees it, with the checksums S3 verifies checked: Content-MD5 and the flexible
 * `x-amz-checksum-*` (CRC32, SHA-1, SHA-256; CRC32C and CRC64NVME are taken on trust).
 */
export async function requestBody(req: IncomingMessage): Promise<RequestBody> {
  const raw = await readBody(req);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  let bytes = raw;
  if (/aws-chunked/i.test(headers['content-encoding'] ?? '')) {
    const decoded = decodeAwsChunked(raw);
    bytes = decoded.bytes;
    Object.assign(headers, decoded.trailers);
    const declared = headers['x-amz-decoded-content-length'];
    if (declared !== undefined && Number(declared) !== bytes.length)
      throw new AwsError('IncompleteBody', 'The request body terminated unexpectedly');
  }
  const md5 = headers['content-md5'];
  if (md5 !== undefined && md5 !== digest('md5', bytes))
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  const checks: [string, () => string | undefined][] = [
    ['crc32', () => crc32(bytes)],
    ['sha1', () => digest('sha1', bytes)],
    ['sha256', () => digest('sha256', bytes)],
  ];
  for (const [name, compute] of checks) {
    const sent = headers[`x-amz-checksum-${name}`];
    const actual = sent === undefined ? undefined : compute();
    if (actual !== undefined && sent !== actual)
      throw new AwsError(
        'BadDigest',
        `The ${name.toUpperCase()} you specified did not match the calculated checksum.`,
      );
  }
  return { bytes, headers };
}

/** Whether the request carries an integrity check, which S3 requires for DeleteObjects and a few more. */
export function hasChecksum(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-'));
}
