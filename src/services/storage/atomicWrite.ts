import { randomBytes } from 'node:crypto';
import { link, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `data` so that a reader sees either the old file or the new one, never half of
 * it: write a temp file in the same folder (rename is only atomic within one filesystem), fsync it,
 * rename it over the target, then fsync the folder so the rename itself survives a crash.
 * An existing file keeps its permission bits, unless `opts.mode` says what they must be (a file that may hold
 * what a job printed is 0600 whatever an older version left). `exclusive`: never replace a file, fail with EEXIST
 * instead — the temp file is linked to the name, which fails if a file is there (no check-then-write race).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: { mode?: number; exclusive?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const mode =
    opts.mode ??
    (await stat(path).then(
      (s) => s.mode & 0o7777,
      () => undefined,
    ));
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', mode ?? 0o644);
    try {
      // open() applies the umask; chmod gives the replacement exactly the old file's (or the asked) bits.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (opts.exclusive) await linkOrCreate(temp, path, data, mode ?? 0o644);
    else {
      await rename(temp, path);
      renamed = true;
    }
    await syncFolder(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => {});
  }
}

async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems (and Windows) refuse fsync on a folder; the rename has still happened.
  }
}

/** A filesystem without hard links: an exclusive create (a reader may see it partly written for a moment). */
async function linkOrCreate(
  temp: string,
  path: string,
  data: string | Uint8Array,
  mode: number,
): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    await writeFile(path, data, { flag: 'wx', mode });
  }
}
