import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Pair,
  parseDocument,
  type Scalar,
  visit,
  type YAMLMap,
} from 'yaml';
import type { ZodType, z } from 'zod';
import { didYouMean } from './didYouMean';
import type { SourceError } from './sourceError';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

export type YamlParseResult<T> =
  | { ok: true; value: T; doc: Document.Parsed; lines: LineCounter }
  | { ok: false; errors: SourceError[] };

export interface YamlParseOptions {
  /**
   * Value validated when the file holds no document at all (empty, or only comments):
   * `{}` lets an empty config file mean "all defaults". Without it an empty file is validated as `null`.
   */
  empty?: unknown;
}

/**
 * Parses one YAML document and validates it; every problem comes back located (line:column of the
 * offending node) so a person can jump to it. Never throws on bad input.
 */
export function parseYamlFile<T>(
  file: string,
  text: string,
  schema: ZodType<T>,
  options: YamlParseOptions = {},
): YamlParseResult<T> {
  const { doc, lines } = parseText(text);
  const syntax = syntaxErrors(file, doc, lines);
  if (syntax.length > 0) return { ok: false, errors: syntax };

  const raw = plainValue(file, doc, options);
  if (!raw.ok) return { ok: false, errors: [raw.error] };

  const parsed = schema.safeParse(raw.value);
  if (parsed.success) return { ok: true, value: parsed.data, doc, lines };

  const ctx: IssueContext = { file, doc, lines, raw: raw.value, schema, keys: new KeyIndex() };
  const errors = parsed.error.issues.flatMap((issue) => issueErrors(ctx, issue, []));
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

export interface YamlValuesResult<T> {
  /** The file's values without the bad ones (their defaults apply), or the fallback when none can be trusted. */
  value: T;
  errors: SourceError[];
  /** False when a syntax error (or a top level of the wrong kind) left nothing to apply: `value` is the fallback. */
  applied: boolean;
  /** A located error for a path of the file as written (for checks made later, e.g. the keys of a config). */
  errorAt(path: readonly PathKey[], message: string): SourceError;
}

/**
 * Like parseYamlFile, but a bad value costs only itself: it is reported where it is written, left out, and the
 * rest is validated again, so the schema's default stands in for it and every good value applies. A syntax
 * error yields `fallback`: no value of a file the parser did not understand can be trusted.
 */
export function parseYamlValues<T>(
  file: string,
  text: string,
  schema: ZodType<T>,
  fallback: T,
  options: YamlParseOptions = {},
): YamlValuesResult<T> {
  const { doc, lines } = parseText(text);
  const errorAt = (path: readonly PathKey[], message: string) =>
    sourceErrorAt(file, doc, lines, path, message);
  const syntax = syntaxErrors(file, doc, lines);
  if (syntax.length > 0) return { value: fallback, errors: syntax, applied: false, errorAt };

  // Bad values are taken out of a copy, so `errorAt` still finds them in the document as written.
  const work = doc.clone() as Document.Parsed;
  const errors = new Map<string, SourceError>();
  for (let round = 0; round < 10; round++) {
    const raw = plainValue(file, work, options);
    if (!raw.ok) return { value: fallback, errors: [raw.error], applied: false, errorAt };
    const parsed = schema.safeParse(raw.value);
    if (parsed.success) return { value: parsed.data, errors: sortedErrors(errors), applied: true, errorAt };
    const ctx: IssueContext = { file, doc: work, lines, raw: raw.value, schema, keys: new KeyIndex() };
    for (const issue of parsed.error.issues)
      for (const e of issueErrors(ctx, issue, [])) errors.set(JSON.stringify(e), e);
    if (!dropValues(work, parsed.error.issues.flatMap(badValuePaths))) break;
  }
  return { value: fallback, errors: sortedErrors(errors), applied: false, errorAt };
}

function sortedErrors(errors: Map<string, SourceError>): SourceError[] {
  return [...errors.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}

function parseText(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  // logLevel 'error': yaml otherwise reports some oddities through process.emitWarning, which would
  // print over the full-screen UI.
  // uniqueKeys off: yaml compares each new key with every earlier key of its map, so a map of 65,000 keys takes
  // most of a minute. `duplicateKeys` does the same check with one lookup per key.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: true,
    uniqueKeys: false,
    logLevel: 'error',
  });
  return { doc, lines };
}

function plainValue(
  file: string,
  doc: Document.Parsed,
  options: YamlParseOptions,
): { ok: true; value: unknown } | { ok: false; error: SourceError } {
  try {
    const empty = doc.contents === null && 'empty' in options;
    return { ok: true, value: empty ? options.empty : doc.toJS({ maxAliasCount: 1000 }) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { file, line: 1, column: 1, path: '', message } };
  }
}

// --- leaving bad values out ----------------------------------------------------------------------

/** The values an issue condemns: the unknown keys themselves, else the value at the issue's path. */
function badValuePaths(issue: Issue): PathKey[][] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => [...issue.path, key]);
  return [[...issue.path]];
}

/**
 * Takes each path's value out of the document (a missing one takes its nearest existing parent: that is where
 * the fault is). False when nothing could be taken out, or the fault is the whole document.
 */
function dropValues(doc: Document.Parsed, paths: PathKey[][]): boolean {
  const unique = [...new Map(paths.map((p) => [JSON.stringify(p), p])).values()];
  // A value inside one already going needs no step of its own; list items go last first, so that taking one
  // out does not move the others.
  const outermost = unique.filter((p) => !unique.some((q) => q !== p && isPrefix(q, p)));
  outermost.sort((a, b) => comparePaths(b, a));
  if (outermost.some((p) => p.length === 0)) return false;
  let dropped = false;
  for (const path of outermost) {
    for (let end = path.length; end > 0; end--) {
      if (dropValue(doc, path.slice(0, end))) {
        dropped = true;
        break;
      }
    }
  }
  return dropped;
}

function dropValue(doc: Document.Parsed, path: readonly PathKey[]): boolean {
  const parent = locate(doc, path.slice(0, -1));
  if (!parent.found) return false;
  const container = isAlias(parent.node) ? parent.node.resolve(doc) : parent.node;
  const key = path[path.length - 1];
  if (isMap(container)) {
    const i = container.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === String(key));
    if (i < 0) return false;
    container.items.splice(i, 1);
    return true;
  }
  if (isSeq(container) && typeof key === 'number' && key < container.items.length) {
    container.items.splice(key, 1);
    return true;
  }
  return false;
}

function isPrefix(prefix: readonly PathKey[], path: readonly PathKey[]): boolean {
  return prefix.length < path.length && prefix.every((k, i) => String(k) === String(path[i]));
}

function comparePaths(a: readonly PathKey[], b: readonly PathKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * A SourceError pointing at the YAML node for `path` (or its nearest existing parent): for checks made
 * after parsing, e.g. a blueprint field the deployer cannot honour.
 */
export function sourceErrorAt(
  file: string,
  doc: Document.Parsed,
  lines: LineCounter,
  path: readonly PathKey[],
  message: string,
): SourceError {
  const found = locate(doc, path);
  const { line, column } = position(lines, found.found ? valueOffset(found) : found.parentOffset);
  return { file, line, column, path: formatPath(path), message };
}

/** `repos[1].path`, `keys["nav.down"]`. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

// --- syntax --------------------------------------------------------------------------------------

function syntaxErrors(file: string, doc: Document.Parsed, lines: LineCounter): SourceError[] {
  const errors: SourceError[] = [];
  const seenLines = new Set<number>();
  const add = (line: number, column: number, message: string) => {
    // One broken line (a tab, a missing bracket) often makes the parser report several follow-on
    // errors at the same spot; the first is the one that says what is wrong.
    if (seenLines.has(line)) return;
    seenLines.add(line);
    errors.push({ file, line, column, path: '', message });
  };
  // Duplicates are found apart from the parser's errors; each goes where the parser would have put it.
  const duplicates = duplicateKeys(doc, lines);
  let next = 0;
  for (const e of doc.errors) {
    for (; next < duplicates.length && duplicates[next].offset < e.pos[0]; next++)
      add(duplicates[next].line, duplicates[next].column, duplicates[next].message);
    const { line, column } = e.linePos
      ? { line: e.linePos[0].line, column: e.linePos[0].col }
      : position(lines, e.pos[0]);
    add(line, column, syntaxMessage(e.code, e.message));
  }
  for (; next < duplicates.length; next++)
    add(duplicates[next].line, duplicates[next].column, duplicates[next].message);
  if (errors.length === 0) errors.push(...undefinedAliases(file, doc, lines));
  return errors;
}

function syntaxMessage(code: string, message: string) {
  const plain = message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed as indentation in YAML; indent with spaces';
    case 'MULTIPLE_DOCS':
      return 'only one YAML document is allowed in this file (remove the second `---`)';
    default:
      return plain;
  }
}

interface DuplicateKey {
  offset: number;
  line: number;
  column: number;
  message: string;
}

/**
 * Every key that repeats an earlier key of its map, in document order, with one lookup per key. Keys are
 * equal as yaml's `uniqueKeys` has them: scalars with the same value (`1` and `"1"` differ).
 */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  visit(doc, {
    Map(_, map) {
      const first = new Map<unknown, Scalar>();
      for (const pair of map.items) {
        const key = pair.key;
        // NaN is the one value a Map finds that `===` does not.
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        const earlier = first.get(key.value);
        if (!earlier) {
          first.set(key.value, key);
          continue;
        }
        const offset = key.range?.[0] ?? 0;
        const { line, column } = position(lines, offset);
        const firstLine = earlier.range ? position(lines, earlier.range[0]).line : 0;
        const message = `duplicate key "${String(key.value)}"${firstLine ? ` (already set on line ${firstLine})` : ''}`;
        found.push({ offset, line, column, message });
      }
    },
  });
  return found.sort((a, b) => a.offset - b.offset);
}

/** yaml only notices an alias to a missing anchor when converting to JS, without a position. */
function undefinedAliases(file: string, doc: Document.Parsed, lines: LineCounter): SourceError[] {
  const anchors = new Set<string>();
  const errors: SourceError[] = [];
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) {
        if (!anchors.has(node.source)) {
          const { line, column } = position(lines, node.range?.[0] ?? 0);
          const message = `alias *${node.source} refers to an anchor &${node.source} that is not defined before it`;
          errors.push({ file, line, column, path: '', message });
        }
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
    },
  });
  return errors;
}

// --- validation ----------------------------------------------------------------------------------

interface IssueContext {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  raw: unknown;
  schema: ZodType<unknown>;
  /** Shared by every issue of one parse: thousands of issues in one big map would otherwise each scan it. */
  keys: KeyIndex;
}

// zod's own English messages; a schema's custom message (`z.string({ error: '...' })`) is kept as written.
const zodDefaultMessage = /^(Invalid input|Invalid option|Unrecognized key|Too small|Too big)/;

function issueErrors(ctx: IssueContext, issue: Issue, prefix: readonly PathKey[]): SourceError[] {
  const path = [...prefix, ...issue.path];
  const input = valueAt(ctx.raw, path);
  const custom = !zodDefaultMessage.test(issue.message);

  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(ctx.schema, path);
    return issue.keys.map((key) => {
      const found = locate(ctx.doc, path, ctx.keys);
      const pair = found.found ? pairFor(found.node, key, ctx.doc, ctx.keys) : undefined;
      const offset = offsetOf(pair?.key) ?? (found.found ? valueOffset(found) : found.parentOffset);
      const message = custom ? issue.message : unknownKeyMessage(key, allowed);
      return at(ctx, [...path, key], offset, message);
    });
  }

  if (issue.code === 'invalid_union' && !custom) {
    const nested = unionBranchIssues(issue);
    if (nested) return nested.flatMap((i) => issueErrors(ctx, i, path));
  }

  const found = locate(ctx.doc, path, ctx.keys);
  const missing =
    issue.code === 'invalid_type' &&
    (input === undefined || (path.length === 0 && ctx.doc.contents === null));
  if (missing) {
    const key = path[path.length - 1];
    const message = custom
      ? issue.message
      : key === undefined
        ? `the file is empty; expected ${typeName(issue.expected)}`
        : `missing required key "${String(key)}"`;
    return [at(ctx, path, found.found ? valueOffset(found) : found.parentOffset, message)];
  }

  const message = custom ? issue.message : describe(issue, input);
  return [at(ctx, path, found.found ? valueOffset(found) : found.parentOffset, message)];
}

function at(ctx: IssueContext, path: readonly PathKey[], offset: number, message: string): SourceError {
  const { line, column } = position(ctx.lines, offset);
  return { file: ctx.file, line, column, path: formatPath(path), message };
}

function describe(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const got = show(input);
      const hint =
        issue.expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')
          ? ` (put it in quotes: "${String(input)}")`
          : '';
      return `expected ${typeName(issue.expected)}, got ${got}${hint}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${show(issue.values[0])}, got ${show(input)}`
        : `expected one of ${issue.values.map(show).join(', ')}, got ${show(input)}`;
    case 'too_small':
      return sizeMessage('small', issue.origin, issue.minimum, issue.inclusive, input);
    case 'too_big':
      return sizeMessage('big', issue.origin, issue.maximum, issue.inclusive, input);
    case 'invalid_union': {
      const expected = unionExpected(issue);
      return expected ? `expected ${expected}, got ${show(input)}` : issue.message;
    }
    default:
      return issue.message;
  }
}

function sizeMessage(
  side: 'small' | 'big',
  origin: string,
  limit: number | bigint | Date,
  inclusive: boolean | undefined,
  input: unknown,
): string {
  const n = Number(limit);
  const small = side === 'small';
  switch (origin) {
    case 'string':
      if (small && n === 1) return 'must not be empty';
      return `must be ${small ? 'at least' : 'at most'} ${n} characters long, got ${show(input)}`;
    case 'array':
    case 'set':
      if (small && n === 1) return 'must list at least one item';
      return `must have ${small ? 'at least' : 'at most'} ${n} items, got ${Array.isArray(input) ? input.length : show(input)}`;
    default: {
      const bound =
        inclusive === false ? (small ? 'greater than' : 'less than') : small ? 'at least' : 'at most';
      return `must be ${bound} ${String(limit)}, got ${show(input)}`;
    }
  }
}

function unknownKeyMessage(key: string, allowed: string[] | undefined): string {
  if (!allowed) return `unknown key "${key}"`;
  if (allowed.length === 0) return `unknown key "${key}" (no keys are allowed here)`;
  const suggestion = didYouMean(key, allowed, Math.max(1, Math.floor(key.length / 3)));
  const list = `allowed: ${allowed.join(', ')}`;
  return suggestion
    ? `unknown key "${key}" (did you mean "${suggestion}"? ${list})`
    : `unknown key "${key}" (${list})`;
}

type UnionIssue = Extract<Issue, { code: 'invalid_union' }>;

/** Root-level failures of a branch mean "wrong kind of value"; anything deeper means the shape matched. */
function rootMismatch(issue: Issue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

/** When one union branch accepted the value's shape, its issues are the ones worth showing. */
function unionBranchIssues(issue: UnionIssue): Issue[] | undefined {
  return issue.errors.find((branch) => branch.length > 0 && !branch.some(rootMismatch));
}

function unionExpected(issue: UnionIssue): string | undefined {
  if (issue.errors.length === 0 || !issue.errors.every((b) => b.some(rootMismatch))) return undefined;
  const names: string[] = [];
  for (const branch of issue.errors) {
    for (const i of branch) {
      if (!rootMismatch(i)) continue;
      if (i.code === 'invalid_type') names.push(typeName(i.expected));
      else if (i.code === 'invalid_value') names.push(...i.values.map(show));
    }
  }
  const unique = [...new Set(names)];
  return unique.length <= 1 ? unique[0] : `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  object: 'a map (key: value)',
  record: 'a map (key: value)',
  map: 'a map (key: value)',
  null: 'an empty value (null)',
  date: 'a date',
};

function typeName(expected: string): string {
  return typeNames[expected] ?? expected;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return 'a map';
  return String(value);
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

// --- schema introspection (only to list the keys an object allows) --------------------------------

function allowedKeys(schema: ZodType<unknown>, path: readonly PathKey[]): string[] | undefined {
  let cur: unknown = schema;
  for (const key of path) {
    cur = childSchema(unwrap(cur), key);
    if (!cur) return undefined;
  }
  const def = defOf(unwrap(cur));
  if (def?.type === 'object') return Object.keys(def.shape);
  return undefined;
}

function defOf(schema: unknown): any {
  return (schema as { _zod?: { def?: unknown } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let cur = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(cur);
    if (!def) return cur;
    if (def.innerType) cur = def.innerType;
    else if (def.type === 'pipe') cur = def.in;
    else if (def.type === 'lazy') cur = def.getter();
    else return cur;
  }
  return cur;
}

function childSchema(schema: unknown, key: PathKey): unknown {
  const def = defOf(schema);
  switch (def?.type) {
    case 'object':
      return def.shape[key as string] ?? def.catchall;
    case 'array':
      return def.element;
    case 'tuple':
      return typeof key === 'number' ? (def.items[key] ?? def.rest) : undefined;
    case 'record':
      return def.valueType;
    case 'union':
      for (const option of def.options) {
        const child = childSchema(unwrap(option), key);
        if (child) return child;
      }
      return undefined;
    default:
      return undefined;
  }
}

// --- YAML node positions -------------------------------------------------------------------------

type Located =
  | { found: true; node: unknown; pair: Pair | undefined }
  | { found: false; parentOffset: number };

function locate(doc: Document.Parsed, path: readonly PathKey[], keys?: KeyIndex): Located {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  for (const key of path) {
    const container = isAlias(node) ? node.resolve(doc) : node;
    const parentOffset = offsetOf(container) ?? offsetOf(pair?.key) ?? 0;
    if (isMap(container)) {
      const next = pairFor(container, key, doc, keys);
      if (!next) return { found: false, parentOffset };
      pair = next;
      node = next.value;
    } else if (isSeq(container) && typeof key === 'number' && key < container.items.length) {
      pair = undefined;
      node = container.items[key];
    } else {
      return { found: false, parentOffset };
    }
  }
  return { found: true, node, pair };
}

function pairFor(node: unknown, key: PathKey, doc: Document.Parsed, keys?: KeyIndex): Pair | undefined {
  const map = isAlias(node) ? node.resolve(doc) : node;
  if (!isMap(map)) return undefined;
  if (keys) return keys.pair(map, key);
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key)) as Pair | undefined;
}

/** The first pair of each map by its key as text, built on first use; only for a document that no longer changes. */
class KeyIndex {
  private readonly maps = new WeakMap<YAMLMap, Map<string, Pair>>();

  pair(map: YAMLMap, key: PathKey): Pair | undefined {
    let index = this.maps.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items as Pair[]) {
        if (!isScalar(p.key)) continue;
        const text = String(p.key.value);
        if (!index.has(text)) index.set(text, p);
      }
      this.maps.set(map, index);
    }
    return index.get(String(key));
  }
}

/** An empty value (`key:` with nothing after it) is best shown at its key. */
function valueOffset(found: Extract<Located, { found: true }>): number {
  const { node, pair } = found;
  const emptyScalar =
    isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]);
  if ((node === null || node === undefined || emptyScalar) && pair) return offsetOf(pair.key) ?? 0;
  return offsetOf(node) ?? offsetOf(pair?.key) ?? 0;
}

function offsetOf(node: unknown): number | undefined {
  if (isScalar(node) || isCollection(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}

function position(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line: Math.max(1, line), column: Math.max(1, col) };
}
