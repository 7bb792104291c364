// Two fixes to Ink 6.8, applied when the CLI (and the benchmarks) are bundled: node_modules stays untouched.
// The build fails when a patched line is not found (another Ink version): the fix is then checked again,
// never silently lost.
//
// 1. build/ink.js: Ink repaints the whole screen (clear + every line) before each frame whose previous frame
//    was *at least* as tall as the terminal, because lines that scrolled off cannot be erased. A frame exactly
//    as tall as the terminal scrolls nothing (Ink writes it without a trailing newline), so it can be updated
//    line by line like any other: with `>` instead of `>=` a full-screen console gets incremental rendering
//    (only changed lines written) instead of a full repaint per frame. A frame taller than the terminal (the
//    moment after a shrink) is still repainted whole.
//
// 3. build/ink.js again: on a narrower terminal Ink erased the last frame line by line, but the terminal had
//    rewrapped those lines (tmux reflows on resize), so rows were left behind: a hint line drawn twice, one of
//    them wrapped, until the next change of height. On every resize, narrower or wider, the whole alternate
//    screen is cleared and the frame drawn afresh (one repaint per resize).
//
// 2. build/output.js: turning the tree into text tokenizes every line into styled characters, with caches
//    that Ink makes anew for every frame. Kept from one frame to the next (each frame's caches fall back to the
//    previous frame's, so at most two frames' worth is held), a line that did not change, or only moved, is
//    not tokenized again: a scrolling table frame takes half the time.
import { readFile } from 'node:fs/promises';

const frameCaches = `
class FrameCaches {
    current = new OutputCaches();
    next() {
        const previous = this.current;
        const current = new OutputCaches();
        for (const name of ['widths', 'blockWidths', 'styledChars']) {
            const mine = current[name];
            const theirs = previous[name];
            mine.get = (key) => {
                let value = Map.prototype.get.call(mine, key);
                if (value === undefined) {
                    value = Map.prototype.get.call(theirs, key);
                    if (value !== undefined) mine.set(key, value);
                }
                return value;
            };
        }
        this.current = current;
        return current;
    }
}
const frameCaches = new FrameCaches();
export default class Output {`;

const patches = [
  {
    file: /[\\/]ink[\\/]build[\\/]ink\.js$/,
    edits: [
      [
        'if (this.lastOutputHeight >= this.options.stdout.rows) {',
        'if (this.lastOutputHeight > this.options.stdout.rows) {',
      ],
      [
        `        if (currentWidth < this.lastTerminalWidth) {
            // We clear the screen when decreasing terminal width to prevent duplicate overlapping re-renders.
            this.log.clear();
            this.lastOutput = '';
            this.lastOutputToRender = '';
        }
        this.calculateLayout();
        this.onRender();`,
        `        // infradeck (scripts/inkPatch.mjs, 3): a resize rewraps or crops what is on the screen, so erasing
        // the last frame line by line misses rows; the whole (alternate) screen is cleared instead, and the
        // frame is drawn by the render the console's own resize listener causes, at the new size (a frame
        // drawn here would still be laid out for the old one, and wrap).
        this.options.stdout.write('\\u001B[H\\u001B[2J');
        this.log.done();
        this.lastOutput = '';
        this.lastOutputToRender = '';`,
      ],
    ],
  },
  {
    file: /[\\/]ink[\\/]build[\\/]output\.js$/,
    edits: [
      ['export default class Output {', frameCaches.trim()],
      ['    caches = new OutputCaches();', '    caches = frameCaches.next();'],
    ],
  },
];

export const inkPatch = {
  name: 'ink-6.8-fixes',
  setup(build) {
    for (const { file, edits } of patches) {
      build.onLoad({ filter: file }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const [before, after] of edits) {
          if (!source.includes(before)) {
            throw new Error(
              `scripts/inkPatch.mjs: ${args.path} no longer contains \`${before}\`; check the fix`,
            );
          }
          source = source.replace(before, after);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};
