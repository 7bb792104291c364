import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { onTestFinished, vi } from 'vitest';

const syscalls = { readFile: 'open', readdir: 'scandir' } as const;

/**
 * Until the current test ends, `fs/promises` refuses `path` with EACCES as the OS does for a file or folder
 * its user may not read. Injected rather than made with chmod: root reads whatever the mode, and CI runs
 * as root. Other paths are read as usual.
 */
export function refuseAccess(fn: keyof typeof syscalls, path: string): void {
  const real = fsp[fn] as (...args: unknown[]) => Promise<unknown>;
  const spy = vi
    .spyOn(fsp, fn)
    .mockImplementation(((target: unknown, ...rest: unknown[]) =>
      String(target) === path
        ? Promise.reject(permissionDenied(syscalls[fn], path))
        : real(target, ...rest)) as never);
  // The named exports (`import { readFile } from 'node:fs/promises'`) follow the default export only when synced.
  syncBuiltinESMExports();
  onTestFinished(() => {
    spy.mockRestore();
    syncBuiltinESMExports();
  });
}

/** The error Node gives, e.g. `EACCES: permission denied, open '/etc/secret'`. */
function permissionDenied(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EACCES: permission denied, ${syscall} '${path}'`), {
    errno: -13,
    code: 'EACCES',
    syscall,
    path,
  });
}
