import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuditEntry, auditEntrySchema, maskedAuditEntry, type NewAuditEntry } from '../../domain/audit';
import type { AuditLog } from './contracts';
import { StreamIdClock } from './memoryEvents';

/**
 * The audit trail of the embedded console. Without a data dir it lives in memory; with one it is also
 * appended to `<dataDir>/audit/audit.jsonl` (one JSON object per line, never rewritten) and `list` reads the
 * file, so the trail survives restarts. A line that cannot be read is reported as such, not skipped silently.
 */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];
  private readonly clock = new StreamIdClock();
  readonly file: string | undefined;

  constructor(dataDir?: string) {
    this.file = dataDir ? join(dataDir, 'audit', 'audit.jsonl') : undefined;
  }

  append(entry: NewAuditEntry): AuditEntry {
    // Stored masked, as on Redis: the trail holds no secret a person typed into a command line.
    const full: AuditEntry = {
      ...maskedAuditEntry(entry),
      id: this.clock.next(),
      at: entry.at ?? Date.now(),
    };
    if (this.file) {
      mkdirSync(join(this.file, '..'), { recursive: true });
      // appendFileSync with O_APPEND: each entry is one write of one line, so concurrent writers never interleave.
      appendFileSync(this.file, `${JSON.stringify(full)}\n`, { mode: 0o600 });
    } else {
      this.entries.push(full);
    }
    return full;
  }

  async list(opts: { limit?: number } = {}): Promise<AuditEntry[]> {
    const all = this.file ? readAuditFile(this.file) : this.entries.slice();
    return opts.limit !== undefined ? all.slice(-Math.max(0, opts.limit)) : all;
  }
}

function readAuditFile(file: string): AuditEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: AuditEntry[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const checked = auditEntrySchema.safeParse(parsed);
    if (checked.success) {
      out.push(checked.data);
    } else {
      out.push({
        id: `0-${i}`,
        at: 0,
        who: { user: '?', host: '?' },
        action: 'unreadable',
        what: line.slice(0, 200),
        outcome: 'rejected',
        reason: `${file}:${i + 1}: not an audit entry this version can read`,
      });
    }
  }
  return out;
}
