import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
let dir: string;
let inkPatch: Plugin;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-inkpatch-'));
  // A build script in plain JS, without types: read as the esbuild plugin it is.
  const script: string = join(root, 'scripts', 'inkPatch.mjs');
  ({ inkPatch } = (await import(script)) as { inkPatch: Plugin });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `entry` as scripts/build.mjs does (production React, no devtools), with or without the patch. */
async function bundle(entry: string, name: string, plugins: Plugin[]): Promise<string> {
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export default {};\n');
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    logLevel: 'error',
    nodePaths: [join(root, 'node_modules')],
    alias: { 'react-devtools-core': empty },
    plugins,
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** Strings mixing ASCII with what string-width measures specially: wide, combining, emoji, jamo, controls. */
function corpus(): string[] {
  const pools: [number, number][] = [
    [0x20, 0x7e],
    [0x00, 0x1f],
    [0xa0, 0x2ff],
    [0x300, 0x36f],
    [0x400, 0x52f],
    [0x600, 0x6ff],
    [0x900, 0xdff],
    [0xe00, 0xeff],
    [0x1100, 0x11ff],
    [0x2000, 0x2bff],
    [0x3000, 0x9fff],
    [0xac00, 0xd7ff],
    [0xfe00, 0xfe0f],
    [0xff00, 0xffef],
    [0x1f1e6, 0x1f1ff],
    [0x1f300, 0x1faff],
    [0x200b, 0x200f],
  ];
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out = ['', 'a', '▁▂▃', '\u001b[31m●\u001b[39m ok', '👨‍👩‍👧', 'e\u0301', 'ᄀ각', 'ｶﾞ', '1⃣', '✔️'];
  for (let i = 0; i < 20_000; i++) {
    let s = '';
    const length = 1 + Math.floor(random() * 12);
    for (let k = 0; k < length; k++) {
      const [from, to] = pools[Math.floor(random() * pools.length)];
      s += String.fromCodePoint(from + Math.floor(random() * (to - from)));
    }
    out.push(s);
  }
  return out;
}

describe('the Ink patch (scripts/inkPatch.mjs)', () => {
  it("measures every string as string-width's own path does", async () => {
    const entry = join(dir, 'width.mjs');
    writeFileSync(entry, "export { default } from 'string-width';\n");
    const patched = (await import(await bundle(entry, 'width-patched', [inkPatch])))
      .default as typeof stringWidth;
    const strings = corpus();
    for (const ambiguousIsNarrow of [true, false]) {
      const mismatches = strings.filter(
        (s) => patched(s, { ambiguousIsNarrow }) !== stringWidth(s, { ambiguousIsNarrow }),
      );
      expect(mismatches).toEqual([]);
    }
  });

  it("keeps at most 10,000 texts' sizes, measuring each as Ink does", async () => {
    const entry = join(dir, 'measure.mjs');
    const measureText = join(root, 'node_modules', 'ink', 'build', 'measure-text.js');
    writeFileSync(entry, `export { default, measuredTexts } from ${JSON.stringify(measureText)};\n`);
    const patched = (await import(await bundle(entry, 'measure-patched', [inkPatch]))) as {
      default: (text: string) => { width: number; height: number };
      measuredTexts: () => number;
    };
    let most = 0;
    for (let i = 0; i < 25_000; i++) {
      const text = `17:${String(i).padStart(5, '0')} line ${i}\nand ▲ ${i}`;
      expect(patched.default(text)).toEqual({ width: stringWidth(text.split('\n')[0]), height: 2 });
      most = Math.max(most, patched.measuredTexts());
    }
    expect(most).toBe(10_000);
    expect(patched.measuredTexts()).toBeLessThanOrEqual(10_000);
  });

  it('writes the same bytes as Ink, frame after frame, for text that is wide, combined, coloured and clipped', async () => {
    const scene = join(__dirname, 'fixtures', 'inkPatchScene.tsx');
    const env = { ...process.env };
    // Ink draws only the last frame in CI.
    delete env.CI;
    delete env.CONTINUOUS_INTEGRATION;
    const run = async (name: string, plugins: Plugin[]) =>
      execFileSync(process.execPath, [await bundle(scene, name, plugins)], { env, encoding: 'utf8' });
    const patched = await run('scene-patched', [inkPatch]);
    const plain = await run('scene-plain', []);
    expect(patched.split('\u001b[?2026l').length).toBeGreaterThan(30);
    expect(patched).toBe(plain);
  }, 60_000);
});
