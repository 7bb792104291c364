import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/services/storage/atomicWrite';

describe('writing a file atomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a new file and leaves no temp file behind', async () => {
    const file = join(dir, 'servers.yaml');
    await writeFileAtomic(file, 'servers: []\n');
    expect(readFileSync(file, 'utf8')).toBe('servers: []\n');
    expect(readdirSync(dir)).toEqual(['servers.yaml']);
  });

  it('replaces an existing file and keeps its permissions', async () => {
    const file = join(dir, 'web.yaml');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o600);
    await writeFileAtomic(file, new TextEncoder().encode('new\n'));
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['web.yaml']);
  });

  it('never lets a reader see a half-written file', async () => {
    const file = join(dir, 'big.yaml');
    const versions = ['a', 'b'].map((c) => c.repeat(4 * 1024 * 1024));
    await writeFileAtomic(file, versions[0]);

    let writing = true;
    const reads: string[] = [];
    const reader = (async () => {
      while (writing) reads.push(await readFile(file, 'utf8'));
    })();
    for (let i = 1; i <= 10; i++) await writeFileAtomic(file, versions[i % 2]);
    writing = false;
    await reader;

    expect(reads.length).toBeGreaterThan(0);
    for (const text of reads) expect(versions).toContain(text);
  });

  it('fails cleanly when the target cannot be replaced, keeping the old content', async () => {
    const target = join(dir, 'projects');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.yaml'), 'kept\n');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['projects']);
    expect(readFileSync(join(target, 'keep.yaml'), 'utf8')).toBe('kept\n');
  });

  it('fails when the folder does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'x.yaml'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
