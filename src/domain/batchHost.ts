import type { Reading } from './batchSerial';

/** A target written as an address in a batch (`hosts:`, `--targets`): `[user@]host[:port]`. */
export interface PlainHost {
  host: string;
  port?: number;
  user?: string;
}

// The rules of the Servers tab's ssh argv builder: nothing that starts with "-" (ssh would read an option).
const userRule = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const hostRule = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
const ipv6Rule = /^[0-9A-Fa-f:.]{2,45}$/;

/** `10.0.0.5`, `ops@web.example.com:2222`, `[::1]:2222`, `::1`. */
export function readPlainHost(text: string): Reading<PlainHost> {
  const bad: Reading<PlainHost> = {
    ok: false,
    message: `${JSON.stringify(text)} is not a host name or address ([user@]host[:port])`,
  };
  let rest = text.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!userRule.test(user)) return { ok: false, message: `${JSON.stringify(user)} is not a user name` };
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
    if (!ipv6Rule.test(host)) return bad;
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [host, portText] = rest.split(':');
    if (!hostRule.test(host)) return bad;
  } else if (rest.includes(':')) {
    if (!ipv6Rule.test(rest)) return bad;
  } else if (!hostRule.test(rest)) return bad;
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) {
      return {
        ok: false,
        message: `${JSON.stringify(portText)} in ${JSON.stringify(text)} is not a port (1-65535)`,
      };
    }
  }
  return { ok: true, value: { host, ...(port !== undefined ? { port } : {}), ...(user ? { user } : {}) } };
}

/** `ops@10.0.0.5:2222`, `[::1]:2222`: how a plain host is written back. */
export function plainHostText(h: PlainHost): string {
  const host = h.host.includes(':') && h.port !== undefined ? `[${h.host}]` : h.host;
  return `${h.user ? `${h.user}@` : ''}${host}${h.port !== undefined ? `:${h.port}` : ''}`;
}
