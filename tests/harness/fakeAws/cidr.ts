/** IPv4 CIDR blocks as numbers: enough to check VPC and subnet ranges and hand out private addresses. */
export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  // EC2 refuses a block with host bits set (10.0.0.1/16) rather than rounding it down.
  if (address % size !== 0) return undefined;
  return { base: address, prefix, size };
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

export function ipAt(block: Cidr, host: number): string {
  const n = block.base + host;
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
