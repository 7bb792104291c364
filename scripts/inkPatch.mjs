// Fixes to Ink 6.8 (and to string-width, which it measures with), applied when the CLI (and the benchmarks)
// are bundled: node_modules stays untouched. The build fails when a patched line is not found (another
// version): the fix is then checked again, never silently lost. 4–7 make a frame cheaper without changing a
// byte of what it writes.
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
//
// 4. string-width (8.x, Ink's and ours): every text node's width is measured on every frame (5.), and a line
//    with one character past ASCII (a block of a sparkline or a timeline lane, `●`, `▲`, `…`) went through
//    Intl.Segmenter and an emoji regex character by character: most of the Timeline tab's frame. A string in
//    which every code point is a grapheme cluster of its own (no marks, joiners, format or control characters,
//    Hangul jamo, astral code points, halfwidth forms or the few prepend/spacing letters) is measured as the
//    sum of its characters' widths, each measured once by string-width itself: the same number, without the
//    segmenter. Anything else still takes string-width's own path.
//
// 5. build/render-node-to-output.js: the widest line of every text node was measured anew on every frame;
//    Ink's measure-text keeps that width for each text already (Yoga asked it for the same text).
//
// 6. build/output.js again: every frame built every row of the screen as styled characters and turned it back
//    into text, and cut every line of a clipped box (the console's frame clips) with slice-ansi, chart lines in
//    colour included (a line that fits too: slice-ansi is not the identity there, it drops a soft hyphen). Now
//    a cut line is kept like the tokenized ones (2.), and a row on which the same tokenized lines were written
//    at the same places as in the last frame is that frame's text again: a key that moves a cursor rebuilds
//    two rows, not the screen.
//
// 7. build/output.js again: a new line is tokenized into styled characters (then kept, 2.), the tokenizer
//    segmenting it into graphemes first. A line with no escape sequence whose code points are each a grapheme
//    (most log lines, table rows, timeline lanes) is built from its characters' tokens, each made once.
//
// 8. build/measure-text.js: Ink keeps the size of every text it ever measured, so a console left open for days
//    (a clock, counters, streaming log lines) grew without end; the cache now starts afresh past 10,000 texts
//    (a frame holds a few hundred).
import { readFile } from 'node:fs/promises';

const frameCaches = `
class FrameCaches {
    current = new OutputCaches();
    next() {
        const previous = this.current;
        const current = new OutputCaches();
        current.slices = new Map();
        previous.slices ??= new Map();
        for (const name of ['widths', 'blockWidths', 'styledChars', 'slices']) {
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
// A clipped line's visible part (6): a chart line in colour took Ink's slice-ansi on every frame.
OutputCaches.prototype.getSlice = function (line, from, to) {
    const key = from + ',' + to + ',' + line;
    let sliced = this.slices.get(key);
    if (sliced === undefined) {
        sliced = sliceAnsi(line, from, to);
        this.slices.set(key, sliced);
    }
    return sliced;
};
// A line without escape sequences in which every code point is a grapheme of its own (7, the test of 4.)
// is those characters, unstyled, one after another: each is tokenized once, then copied. The tokenizer
// segmented every new line into graphemes first (180 µs for a log line of 120 columns, more for a lane of
// block characters).
const ownGraphemes = /^[^\\p{M}\\p{Cf}\\p{Cc}\\p{Cs}\\u{10000}-\\u{10FFFF}\\u1100-\\u11FF\\uA960-\\uA97F\\uD7B0-\\uD7FF\\u0D4E\\u0E33\\u0EB3\\uFF00-\\uFFEF]*$/u;
const characterTokens = new Map();
function plainStyledChars(line) {
    const characters = [];
    for (const value of line) {
        let token = characterTokens.get(value);
        if (token === undefined) {
            token = styledCharsFromTokens(tokenize(value))[0];
            characterTokens.set(value, token);
        }
        characters.push({ type: 'char', value: token.value, fullWidth: token.fullWidth, styles: [] });
    }
    return characters;
}
// The last frame's rows (6): what was written on each, and the text that made.
let lastRows = { width: -1, rows: [] };
function sameWrites(a, b) {
    if (a.length !== b.length) {
        return false;
    }
    for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
            return false;
        }
    }
    return true;
}
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
    file: /[\\/]ink[\\/]build[\\/]measure-text\.js$/,
    edits: [
      [
        'const cache = new Map();',
        `// infradeck (scripts/inkPatch.mjs, 8): a console left open for days measures every new text (clock, counters,
// log lines) once; the cache starts afresh past this many instead of growing for ever.
const cache = new Map();
const measuredTextLimit = 10000;
export const measuredTexts = () => cache.size;`,
      ],
      [
        '    cache.set(text, dimensions);',
        '    if (cache.size >= measuredTextLimit) cache.clear();\n    cache.set(text, dimensions);',
      ],
    ],
  },
  {
    file: /[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/,
    edits: [
      ["import widestLine from 'widest-line';", "import measureText from './measure-text.js';"],
      ['const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;'],
    ],
  },
  {
    // The 8.x copy only: wrap-ansi's nested 7.x is another file and another shape.
    file: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/,
    unless: /[\\/]wrap-ansi[\\/]/,
    edits: [
      [
        'export default function stringWidth(input, options = {}) {',
        `// infradeck (scripts/inkPatch.mjs, 4): code points that are each a grapheme cluster of their own.
const ownClusters = /^[^\\p{M}\\p{Cf}\\p{Cc}\\p{Cs}\\u{10000}-\\u{10FFFF}\\u1100-\\u11FF\\uA960-\\uA97F\\uD7B0-\\uD7FF\\u0D4E\\u0E33\\u0EB3\\uFF00-\\uFFEF]*$/u;
const characterWidths = [new Map(), new Map()];
export default function stringWidth(input, options = {}) {`,
      ],
      [
        `	if (/^[\\u0020-\\u007E]*$/.test(string)) {
		return string.length;
	}
`,
        `	if (/^[\\u0020-\\u007E]*$/.test(string)) {
		return string.length;
	}

	if (string.length > 1 && ownClusters.test(string)) {
		const widths = characterWidths[ambiguousIsNarrow ? 0 : 1];
		let sum = 0;
		for (const character of string) {
			let characterWidth = widths.get(character);
			if (characterWidth === undefined) {
				characterWidth = stringWidth(character, {ambiguousIsNarrow});
				widths.set(character, characterWidth);
			}
			sum += characterWidth;
		}
		return sum;
	}
`,
      ],
    ],
  },
  {
    file: /[\\/]ink[\\/]build[\\/]output\.js$/,
    edits: [
      ['export default class Output {', frameCaches.trim()],
      ['    caches = new OutputCaches();', '    caches = frameCaches.next();'],
      [
        '            cached = styledCharsFromTokens(tokenize(line));',
        '            cached = ownGraphemes.test(line) ? plainStyledChars(line) : styledCharsFromTokens(tokenize(line));',
      ],
      // Ink 6.8's Output.get, whole (it contains backquotes, hence the substitutions).
      [
        String.raw`    get() {
        // Initialize output array with a specific set of rows, so that margin/padding at the bottom is preserved
        const output = [];
        for (let y = 0; y < this.height; y++) {
            const row = [];
            for (let x = 0; x < this.width; x++) {
                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });
            }
            output.push(row);
        }
        const clips = [];
        for (const operation of this.operations) {
            if (operation.type === 'clip') {
                clips.push(operation.clip);
            }
            if (operation.type === 'unclip') {
                clips.pop();
            }
            if (operation.type === 'write') {
                const { text, transformers } = operation;
                let { x, y } = operation;
                let lines = text.split('\n');
                const clip = clips.at(-1);
                if (clip) {
                    const clipHorizontally = typeof clip?.x1 === 'number' && typeof clip?.x2 === 'number';
                    const clipVertically = typeof clip?.y1 === 'number' && typeof clip?.y2 === 'number';
                    // If text is positioned outside of clipping area altogether,
                    // skip to the next operation to avoid unnecessary calculations
                    if (clipHorizontally) {
                        const width = this.caches.getWidestLine(text);
                        if (x + width < clip.x1 || x > clip.x2) {
                            continue;
                        }
                    }
                    if (clipVertically) {
                        const height = lines.length;
                        if (y + height < clip.y1 || y > clip.y2) {
                            continue;
                        }
                    }
                    if (clipHorizontally) {
                        lines = lines.map(line => {
                            const from = x < clip.x1 ? clip.x1 - x : 0;
                            const width = this.caches.getStringWidth(line);
                            const to = x + width > clip.x2 ? clip.x2 - x : width;
                            return sliceAnsi(line, from, to);
                        });
                        if (x < clip.x1) {
                            x = clip.x1;
                        }
                    }
                    if (clipVertically) {
                        const from = y < clip.y1 ? clip.y1 - y : 0;
                        const height = lines.length;
                        const to = y + height > clip.y2 ? clip.y2 - y : height;
                        lines = lines.slice(from, to);
                        if (y < clip.y1) {
                            y = clip.y1;
                        }
                    }
                }
                let offsetY = 0;
                for (let [index, line] of lines.entries()) {
                    const currentLine = output[y + offsetY];
                    // Line can be missing if ${'`'}text${'`'} is taller than height of pre-initialized ${'`'}this.output${'`'}
                    if (!currentLine) {
                        continue;
                    }
                    for (const transformer of transformers) {
                        line = transformer(line, index);
                    }
                    const characters = this.caches.getStyledChars(line);
                    let offsetX = x;
                    for (const character of characters) {
                        currentLine[offsetX] = character;
                        // Determine printed width using string-width to align with measurement
                        const characterWidth = Math.max(1, this.caches.getStringWidth(character.value));
                        // For multi-column characters, clear following cells to avoid stray spaces/artifacts
                        if (characterWidth > 1) {
                            for (let index = 1; index < characterWidth; index++) {
                                currentLine[offsetX + index] = {
                                    type: 'char',
                                    value: '',
                                    fullWidth: false,
                                    styles: character.styles,
                                };
                            }
                        }
                        offsetX += characterWidth;
                    }
                    offsetY++;
                }
            }
        }
        const generatedOutput = output
            .map(line => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })
            .join('\n');
        return {
            output: generatedOutput,
            height: output.length,
        };
    }
`,
        String.raw`    get() {
        // infradeck (scripts/inkPatch.mjs, 6): what lands on each row is collected first, as the list of
        // (x, styled characters) written to it, in order; a row whose list is the same as in the last frame
        // (the same cached arrays at the same places) is the same text, and is not built again.
        const rows = [];
        for (let y = 0; y < this.height; y++) {
            rows.push([]);
        }
        const clips = [];
        for (const operation of this.operations) {
            if (operation.type === 'clip') {
                clips.push(operation.clip);
            }
            if (operation.type === 'unclip') {
                clips.pop();
            }
            if (operation.type === 'write') {
                const { text, transformers } = operation;
                let { x, y } = operation;
                let lines = text.split('\n');
                const clip = clips.at(-1);
                if (clip) {
                    const clipHorizontally = typeof clip?.x1 === 'number' && typeof clip?.x2 === 'number';
                    const clipVertically = typeof clip?.y1 === 'number' && typeof clip?.y2 === 'number';
                    if (clipHorizontally) {
                        const width = this.caches.getWidestLine(text);
                        if (x + width < clip.x1 || x > clip.x2) {
                            continue;
                        }
                    }
                    if (clipVertically) {
                        const height = lines.length;
                        if (y + height < clip.y1 || y > clip.y2) {
                            continue;
                        }
                    }
                    if (clipHorizontally) {
                        lines = lines.map(line => {
                            const from = x < clip.x1 ? clip.x1 - x : 0;
                            const width = this.caches.getStringWidth(line);
                            const to = x + width > clip.x2 ? clip.x2 - x : width;
                            return this.caches.getSlice(line, from, to);
                        });
                        if (x < clip.x1) {
                            x = clip.x1;
                        }
                    }
                    if (clipVertically) {
                        const from = y < clip.y1 ? clip.y1 - y : 0;
                        const height = lines.length;
                        const to = y + height > clip.y2 ? clip.y2 - y : height;
                        lines = lines.slice(from, to);
                        if (y < clip.y1) {
                            y = clip.y1;
                        }
                    }
                }
                let offsetY = 0;
                for (let [index, line] of lines.entries()) {
                    const written = rows[y + offsetY];
                    // A text taller than the output: the rest of its lines are dropped, as Ink does.
                    if (!written) {
                        continue;
                    }
                    for (const transformer of transformers) {
                        line = transformer(line, index);
                    }
                    written.push(x, this.caches.getStyledChars(line));
                    offsetY++;
                }
            }
        }
        const before = lastRows.width === this.width ? lastRows.rows : [];
        const built = rows.map((written, y) => {
            const last = before[y];
            if (last && sameWrites(last.written, written)) {
                return last;
            }
            const currentLine = [];
            for (let x = 0; x < this.width; x++) {
                currentLine.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });
            }
            for (let at = 0; at < written.length; at += 2) {
                let offsetX = written[at];
                for (const character of written[at + 1]) {
                    currentLine[offsetX] = character;
                    // Determine printed width using string-width to align with measurement
                    const characterWidth = Math.max(1, this.caches.getStringWidth(character.value));
                    // For multi-column characters, clear following cells to avoid stray spaces/artifacts
                    if (characterWidth > 1) {
                        for (let index = 1; index < characterWidth; index++) {
                            currentLine[offsetX + index] = {
                                type: 'char',
                                value: '',
                                fullWidth: false,
                                styles: character.styles,
                            };
                        }
                    }
                    offsetX += characterWidth;
                }
            }
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = currentLine.filter(item => item !== undefined);
            return { written, text: styledCharsToString(lineWithoutEmptyItems).trimEnd() };
        });
        lastRows = { width: this.width, rows: built };
        return {
            output: built.map(row => row.text).join('\n'),
            height: rows.length,
        };
    }
`,
      ],
    ],
  },
];

export const inkPatch = {
  name: 'ink-6.8-fixes',
  setup(build) {
    for (const { file, unless, edits } of patches) {
      build.onLoad({ filter: file }, async (args) => {
        if (unless?.test(args.path)) return undefined;
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
