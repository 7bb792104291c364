import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ProjectChange,
  type ProjectWatcher,
  watchProjects,
} from '../../src/services/projects/watchProjects';
import { writeFileAtomic } from '../../src/services/storage/atomicWrite';
import { shopText, tempDataDir } from './helpers';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function watching(): Promise<{ dir: string; changes: ProjectChange[]; watcher: ProjectWatcher }> {
  const d = tempDataDir();
  cleanup.push(d.remove);
  mkdirSync(join(d.dir, 'projects'));
  writeFileSync(join(d.dir, 'projects', 'shop.yaml'), shopText);
  const changes: ProjectChange[] = [];
  const watcher = await watchProjects(d.dir, (batch) => changes.push(...batch));
  cleanup.push(() => watcher.close());
  return { dir: d.dir, changes, watcher };
}

// Within a second, as the Deployments screen promises; the wait ends as soon as the change is seen.
const soon = { timeout: 1000, interval: 10 };

describe('watching the projects folder', () => {
  it('sees an edit made by another program', async () => {
    const { dir, changes } = await watching();
    writeFileSync(join(dir, 'projects', 'shop.yaml'), shopText.replace('count: 2', 'count: 4'));
    await vi.waitFor(
      () =>
        expect(changes).toContainEqual({
          kind: 'blueprint',
          event: 'change',
          file: join(dir, 'projects', 'shop.yaml'),
          stem: 'shop',
        }),
      soon,
    );
  });

  it('sees an atomic save (temp file renamed over the blueprint) once, without the temp file', async () => {
    const { dir, changes } = await watching();
    await writeFileAtomic(join(dir, 'projects', 'shop.yaml'), shopText.replace('count: 2', 'count: 3'));
    await vi.waitFor(() => expect(changes.map((c) => c.stem)).toContain('shop'), soon);
    expect(changes.every((c) => !c.file.includes('.tmp'))).toBe(true);
  });

  it('sees a new file, a rename and a delete; other files are ignored', async () => {
    const { dir, changes } = await watching();
    const projects = join(dir, 'projects');
    writeFileSync(join(projects, 'notes.txt'), 'not a blueprint');
    writeFileSync(join(projects, 'blog.yaml'), 'name: blog\n');
    await vi.waitFor(
      () => expect(changes).toContainEqual(expect.objectContaining({ stem: 'blog', event: 'add' })),
      soon,
    );
    renameSync(join(projects, 'shop.yaml'), join(projects, 'store.yaml'));
    await vi.waitFor(() => {
      expect(changes).toContainEqual(expect.objectContaining({ stem: 'shop', event: 'unlink' }));
      expect(changes).toContainEqual(expect.objectContaining({ stem: 'store', event: 'add' }));
    }, soon);
    rmSync(join(projects, 'blog.yaml'));
    await vi.waitFor(
      () => expect(changes).toContainEqual(expect.objectContaining({ stem: 'blog', event: 'unlink' })),
      soon,
    );
    expect(changes.some((c) => c.file.endsWith('notes.txt'))).toBe(false);
  });

  it('sees a job writing a state file', async () => {
    const { dir, changes } = await watching();
    await writeFileAtomic(join(dir, 'state', 'shop.json'), '{}\n');
    await vi.waitFor(
      () => expect(changes).toContainEqual(expect.objectContaining({ kind: 'state', stem: 'shop' })),
      soon,
    );
  });

  it('reports nothing after it is closed', async () => {
    const { dir, changes, watcher } = await watching();
    await watcher.close();
    writeFileSync(join(dir, 'projects', 'late.yaml'), 'name: late\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(changes).toEqual([]);
  });
});
