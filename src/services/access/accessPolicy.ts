import { readFileSync, type Stats, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AccessPolicy, AccessState } from '../../domain/access';
import { parseAccessFile } from '../../domain/accessSource';
import { formatSourceError } from '../../domain/sourceError';
import { fileErrorReason } from '../storage/yamlFile';

export function accessFilePath(dataDir: string): string {
  return join(resolve(dataDir), 'access.yaml');
}

/**
 * The workspace's `access.yaml`, read again only when it changed: each `current()` is one `stat` (its size, mtime
 * and inode) — cheap enough for every job a worker takes and every enqueue. Sync, so the bus's own request rules
 * (`jobRequests.ts`) can ask it.
 */
export class AccessPolicySource {
  readonly file: string;
  private seen: string | undefined;
  private state: AccessState;

  constructor(dataDir: string) {
    this.file = accessFilePath(dataDir);
    this.state = { kind: 'none', file: this.file };
  }

  current(): AccessState {
    let stats: Stats | undefined;
    try {
      // No file is the usual case (no access control): said without an exception, which costs a stack trace.
      stats = statSync(this.file, { throwIfNoEntry: false });
    } catch (error) {
      // A file that is there but cannot be looked at must not switch access control off.
      return this.remember(`error:${fileErrorReason(error)}`, this.broken(fileErrorReason(error)));
    }
    if (!stats) return this.remember('missing', { kind: 'none', file: this.file });
    const stamp = `${stats.size}:${stats.mtimeMs}:${stats.ino}`;
    if (stamp === this.seen) return this.state;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return this.remember('missing', { kind: 'none', file: this.file });
      return this.remember(stamp, this.broken(fileErrorReason(error)));
    }
    const parsed = parseAccessFile(this.file, text);
    return this.remember(
      stamp,
      parsed.ok
        ? { kind: 'policy', file: this.file, policy: parsed.policy }
        : { kind: 'broken', file: this.file, error: parsed.errors.map(formatSourceError).join('; ') },
    );
  }

  /** The policy when the file is there and valid. */
  policy(): AccessPolicy | undefined {
    const state = this.current();
    return state.kind === 'policy' ? state.policy : undefined;
  }

  private broken(reason: string): AccessState {
    return { kind: 'broken', file: this.file, error: `${this.file}: ${reason}` };
  }

  private remember(stamp: string, state: AccessState): AccessState {
    if (stamp !== this.seen) {
      this.seen = stamp;
      this.state = state;
    }
    return this.state;
  }
}

let enforced: AccessPolicySource | undefined;

/**
 * The workspace whose `access.yaml` this process enforces: at enqueue (`roleRefusal`) and in its worker before a
 * handler runs (`workerRoleRefusal`). Set once the workspace is opened (`openWorkspace`: the console, every
 * command, `infradeck worker --data`). A process that opened no workspace (a library user, a bus test) enforces
 * nothing, as with no `access.yaml`.
 */
export function enforceAccessIn(dataDir: string | undefined): void {
  enforced = dataDir === undefined ? undefined : new AccessPolicySource(dataDir);
}

/** The access state of this process's workspace (no workspace: no access control). */
export function enforcedAccess(): AccessState {
  return enforced?.current() ?? { kind: 'none', file: 'access.yaml' };
}

/** The source this process enforces, for the readers that show it (`whoami`, the console). */
export function enforcedAccessSource(): AccessPolicySource | undefined {
  return enforced;
}
