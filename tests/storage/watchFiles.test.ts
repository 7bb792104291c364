import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/domain/config';
import { deckAiFor } from '../../src/services/ai/deckAi';
import { deckPipelinesFor } from '../../src/services/pipelines/deckPipelines';
import { isYamlName, watchFiles } from '../../src/services/storage/watchFiles';
import { waitFor } from '../bus/contractSuite';

const dirs: string[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-watch-'));
  dirs.push(dir);
  return dir;
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The folders this process's inotify instances watch, by inode (Linux: /proc/self/fdinfo). */
function watchedInodes(): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:inotify') continue;
    for (const m of readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').matchAll(/\bino:([0-9a-f]+)/g))
      inodes.add(Number.parseInt(m[1]!, 16));
  }
  return inodes;
}

describe('following a folder of definitions', () => {
  it('tells a YAML file written, replaced or removed, also in a folder made after it started; nothing else', async () => {
    const root = workspace();
    const dir = join(root, 'batches');
    let changes = 0;
    closers.push(await watchFiles(dir, isYamlName, () => changes++, { batchMs: 20 }));
    mkdirSync(dir);
    await waitFor('the folder made', () => changes === 1);
    writeFileSync(join(dir, 'roll.yaml'), 'a: 1\n');
    await waitFor('a file written', () => changes === 2);
    // Not definitions: another kind of file, a hidden temp file, a YAML file beside the folder.
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, '.roll.yaml.1234.tmp'), 'x');
    writeFileSync(join(root, 'other.yaml'), 'x');
    await pause(300);
    expect(changes).toBe(2);
    rmSync(join(dir, 'roll.yaml'));
    await waitFor('a file removed', () => changes === 3);
    // The folder removed and made again: still followed.
    rmSync(dir, { recursive: true });
    await waitFor('the folder removed', () => changes === 4);
    mkdirSync(dir);
    await waitFor('the folder made again', () => changes === 5);
    writeFileSync(join(dir, 'again.yml'), 'a: 1\n');
    await waitFor('a file in the folder made again', () => changes === 6);
  });

  it.runIf(process.platform === 'linux')(
    'watches only the folder while it exists, not its busy parent',
    async () => {
      const root = workspace();
      const dir = join(root, 'data');
      mkdirSync(dir);
      let changes = 0;
      closers.push(
        await watchFiles(
          dir,
          (n) => n === 'schedules.yaml',
          () => changes++,
          { batchMs: 20 },
        ),
      );
      const watched = watchedInodes();
      expect(watched.has(statSync(dir).ino)).toBe(true);
      // A worker's log beside its workspace: each line used to wake the watcher (and chokidar read the folder again).
      expect(watched.has(statSync(root).ino)).toBe(false);
      for (let i = 0; i < 20; i++) appendFileSync(join(root, 'worker.log'), 'a line\n');
      writeFileSync(join(dir, 'schedules.yaml'), 'schedules: []\n');
      await waitFor('schedules.yaml written', () => changes === 1);
    },
  );

  it('the Pipelines tab follows pipelines/ and each repository’s .infradeck/pipeline.yaml, the AI tab ai/experiments/ of the workspace', async () => {
    const root = workspace();
    mkdirSync(join(root, 'pipelines'));
    mkdirSync(join(root, 'ai', 'experiments'), { recursive: true });
    mkdirSync(join(root, 'shop'));
    writeFileSync(join(root, 'repos.yaml'), 'repos:\n  - path: shop\n');
    const seen = { pipelines: 0, experiments: 0 };
    const pipelines = deckPipelinesFor({ dataDir: root, config: defaultConfig, env: {} });
    const ai = deckAiFor({ dataDir: root, env: {} });
    const onError = (error: Error) => {
      throw error;
    };
    closers.push(await pipelines.watchLocal!(() => seen.pipelines++, onError));
    closers.push(await ai.watchExperiments!(() => seen.experiments++, onError));
    writeFileSync(join(root, 'pipelines', 'build.yaml'), 'steps: []\n');
    await waitFor('the pipeline file', () => seen.pipelines === 1);
    writeFileSync(join(root, 'ai', 'experiments', 'tune.yml'), 'command: [true]\n');
    await waitFor('the experiment file', () => seen.experiments === 1);
    // A repository's .infradeck/pipeline.yaml, its folder made after the tab started following.
    mkdirSync(join(root, 'shop', '.infradeck'), { recursive: true });
    await waitFor('the .infradeck folder of a repository', () => seen.pipelines === 2);
    writeFileSync(join(root, 'shop', '.infradeck', 'pipeline.yaml'), 'steps: []\n');
    await waitFor('the pipeline file of a repository', () => seen.pipelines === 3);
    writeFileSync(join(root, 'shop', '.infradeck', 'notes.yaml'), 'x: 1\n');
    writeFileSync(join(root, 'shop', 'pipeline.yaml'), 'x: 1\n');
    await pause(300);
    expect(seen).toEqual({ pipelines: 3, experiments: 1 });
  });
});
