/** IPv4 CIDR arithmetic: the blueprint's checks and the DEMO cloud's CreateVpc/CreateSubnet use the same. */

export interface Cidr {
  /** The first address as an unsigned 32-bit number (host bits as written: see `networkAddress`). */
  base: number;
  bits: number;
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** `10.1.0.0/16`; undefined when it is not an IPv4 CIDR block. Host bits may be set (see `networkAddress`). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (parts.some((p) => p > 255) || bits > 32) return undefined;
  return { base: ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0, bits };
}

/** The block's first address with the host bits cleared: `10.20.1.7/24` -> 10.20.1.0. */
export function networkAddress(c: Cidr): number {
  return (c.base & mask(c.bits)) >>> 0;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.bits >= outer.bits &&
    (inner.base & mask(outer.bits)) >>> 0 === (outer.base & mask(outer.bits)) >>> 0
  );
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const m = mask(Math.min(a.bits, b.bits));
  return (a.base & m) >>> 0 === (b.base & m) >>> 0;
}
