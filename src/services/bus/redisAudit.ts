import type { Redis } from 'ioredis';
import { type AuditEntry, auditEntrySchema, maskedAuditEntry, type NewAuditEntry } from '../../domain/audit';
import type { AuditLog } from './contracts';

type StreamEntry = [id: string, fields: string[]];
const pageSize = 1000;

/** The audit trail on a Redis stream under the prefix: appended to, never trimmed or rewritten. */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly cmd: Redis,
    private readonly key: string,
  ) {}

  async append(entry: NewAuditEntry): Promise<string> {
    return (await this.cmd.xadd(this.key, '*', 'e', auditEntryJson(entry))) as string;
  }

  async list(opts: { limit?: number } = {}): Promise<AuditEntry[]> {
    if (opts.limit !== undefined) {
      if (opts.limit <= 0) return [];
      const entries = (await this.cmd.xrevrange(this.key, '+', '-', 'COUNT', opts.limit)) as StreamEntry[];
      return entries.reverse().map(toEntry);
    }
    const out: AuditEntry[] = [];
    let from = '-';
    for (;;) {
      const page = (await this.cmd.xrange(this.key, from, '+', 'COUNT', pageSize)) as StreamEntry[];
      out.push(...page.map(toEntry));
      if (page.length < pageSize) return out;
      from = `(${page[page.length - 1][0]}`;
    }
  }
}

/** An entry as stored in the `e` field (also written by the event scripts, together with an event), masked. */
export function auditEntryJson(entry: NewAuditEntry): string {
  const { at, ...rest } = maskedAuditEntry(entry);
  return JSON.stringify({ ...rest, at: at ?? Date.now() });
}

function toEntry([id, fields]: StreamEntry): AuditEntry {
  const at = fields.indexOf('e');
  const raw = at >= 0 ? (fields[at + 1] ?? '') : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const checked = auditEntrySchema.safeParse({ ...(parsed as object), id });
  if (checked.success) return checked.data;
  return {
    id,
    at: Number(id.split('-')[0]) || 0,
    who: { user: '?', host: '?' },
    action: 'unreadable',
    what: raw.slice(0, 200),
    outcome: 'rejected',
    reason: `audit entry ${id} is not one this version can read`,
  };
}
