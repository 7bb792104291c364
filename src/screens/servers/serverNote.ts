import { formatAge } from '../../domain/text';
import type { ServerReach, ServerView } from '../../state/services/servers';

export interface ServerNote {
  text: string;
  tone: 'error' | 'warn' | 'muted';
}

/**
 * The line under the Servers table, about the row under the cursor: why its SSH port does not answer (the
 * probe's whole sentence; the table has room for a word), why there is no ssh to it, or the ssh command `s` runs.
 */
export function serverNote(
  row: ServerView | undefined,
  reach: ServerReach | undefined,
  now: number,
): ServerNote {
  if (!row) return { text: '', tone: 'muted' };
  const last = reach?.last;
  if (last && !last.ok) {
    const age = formatAge(Math.max(0, now - last.at));
    return { text: `${row.name}: ${last.error ?? 'unreachable'} · probed ${age} ago`, tone: 'error' };
  }
  const name = row.host ? `${row.name} ${row.host}:${row.port}` : row.name;
  if (!row.ssh.ok) return { text: `${row.name}: ${row.ssh.error}`, tone: 'warn' };
  const answer = last?.ok ? `answers in ${Math.round(last.latencyMs ?? 0)} ms` : 'probing…';
  return { text: `${name} ${answer} · s runs ${row.ssh.argv.join(' ')}`, tone: 'muted' };
}
