/** SSH wire encoding (RFC 4251): what keys, signatures and SSHSIG blobs are made of. */

export function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Reads fields in order; throws a message naming what was cut short. */
export class SshReader {
  private at = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly what: string,
  ) {}

  take(n: number, field: string): Buffer {
    if (this.at + n > this.bytes.length) throw new Error(`${this.what}: cut short in ${field}`);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  uint32(field: string): number {
    return this.take(4, field).readUInt32BE();
  }

  string(field: string): Buffer {
    return this.take(this.uint32(field), field);
  }

  text(field: string): string {
    return this.string(field).toString('utf8');
  }

  get rest(): number {
    return this.bytes.length - this.at;
  }
}

/** An mpint without its sign byte, left-padded to `size` bytes (for JWK coordinates and P1363 signatures). */
export function unsignedFixed(mpint: Buffer, size: number): Buffer {
  let bytes = mpint;
  while (bytes.length > size && bytes[0] === 0) bytes = bytes.subarray(1);
  if (bytes.length > size) throw new Error(`a number of ${bytes.length} bytes where ${size} were expected`);
  return Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}

export function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
