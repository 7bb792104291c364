import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskSecrets } from '../../domain/secretMask';
import type { DeckHistory } from '../../state/services/history';
import { type Env, xdgFolder } from './userPath';

/**
 * The prompts' history of this user, one file a prompt: `$XDG_STATE_HOME/infradeck/<kind>.history`, else
 * `~/.local/state/infradeck/<kind>.history`, a line each, oldest first, 0600 in a 0700 folder. Per user, not in
 * the workspace: teammates on one jump host share a workspace, not what they typed. A line with a secret's shape
 * (a token, a password in a URL) stays in the session only, as a shell's HISTIGNORE would keep it out.
 */
export function historyFiles(env: Env = process.env): DeckHistory {
  const folder = join(xdgFolder(env, 'XDG_STATE_HOME', join('.local', 'state')), 'infradeck');
  const file = (kind: string) => join(folder, `${kind}.history`);
  return {
    load: (kind) => {
      try {
        return readFileSync(file(kind), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    save: (kind, lines) => {
      const kept = lines.filter((l) => !l.includes('\n') && maskSecrets(l) === l);
      try {
        mkdirSync(folder, { recursive: true, mode: 0o700 });
        // Written whole, then renamed over the old file: a console quit halfway leaves the old history.
        const temp = `${file(kind)}.${process.pid}.tmp`;
        writeFileSync(temp, kept.length ? `${kept.join('\n')}\n` : '', { mode: 0o600 });
        renameSync(temp, file(kind));
      } catch {
        // Best effort: a history that cannot be kept leaves the prompt working for this session.
      }
    },
  };
}
