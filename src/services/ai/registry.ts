import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Composer, CST, Document, isMap, isScalar, isSeq, LineCounter, Parser, parseDocument } from 'yaml';
import { didYouMean } from '../../domain/didYouMean';
import { type ModelStage, nextVersionNumber, promotion, type StageTransition } from '../../domain/model';
import { type ModelFile, modelNameOfFile, parseModelFile } from '../../domain/modelSource';
import { formatSourceError } from '../../domain/sourceError';
import { writeFileAtomic } from '../storage/atomicWrite';
import { workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';

/** `<workspace>/ai/models`. */
export function modelsFolder(dataDir: string): string {
  return join(workspacePaths(dataDir).root, 'ai', 'models');
}

/** Every `ai/models/*.yaml` of the workspace, checked, by file name. A missing folder is none. Never throws. */
export async function loadModels(dataDir: string): Promise<ModelFile[]> {
  const folder = modelsFolder(dataDir);
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return [unreadable(folder, error)];
  }
  return Promise.all(
    names.map(async (name): Promise<ModelFile> => {
      const file = join(folder, name);
      try {
        return parseModelFile(file, await readFile(file, 'utf8'));
      } catch (error) {
        return unreadable(file, error);
      }
    }),
  );
}

function unreadable(file: string, error: unknown): ModelFile {
  return {
    ok: false,
    file,
    errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(error) }],
  };
}

export function modelNameOf(found: ModelFile): string {
  return found.ok ? found.model.name : (found.name ?? modelNameOfFile(found.file));
}

export type ModelLookup =
  | { found: Extract<ModelFile, { ok: true }> }
  | { missing: true; names: string[] }
  | { error: string };

/** The model of that name (by `name:` or file name), a did-you-mean when there is none, or its file's errors. */
export function findModel(files: readonly ModelFile[], name: string): ModelLookup {
  const named = files.filter((f) => modelNameOf(f) === name);
  if (named.length > 1) {
    return {
      error: `"${name}" names ${named.length} models (${named.map((f) => f.file).join(', ')}); give one of them its own \`name:\``,
    };
  }
  const [one] = named;
  if (!one) return { missing: true, names: [...new Set(files.map(modelNameOf))] };
  if (!one.ok) return { error: one.errors.map(formatSourceError).join('\n') };
  return { found: one };
}

/** `no model "chrun" (did you mean "churn"? models: churn, ranker)`. */
export function noModelMessage(name: string, names: readonly string[]): string {
  const near = didYouMean(name, names, Math.max(1, Math.floor(name.length / 3)));
  return `no model "${name}" (${near ? `did you mean "${near}"? ` : ''}models: ${names.join(', ') || 'none'})`;
}

/** What a new version records, besides its number and stage. */
export interface NewVersion {
  run: string;
  experiment?: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  artifact: string;
  registeredAt: string;
  registeredBy: string;
}

export type RegistryChange =
  | { ok: true; file: string; version: number; transitions: StageTransition[] }
  | { ok: false; message: string };

/** One registry change at a time per file in this process: two jobs of one worker must not read the same text. */
const writing = new Map<string, Promise<unknown>>();

function oneAtATime<T>(file: string, change: () => Promise<T>): Promise<T> {
  const before = writing.get(file) ?? Promise.resolve();
  const next = before.catch(() => {}).then(change);
  writing.set(file, next);
  next.finally(() => {
    if (writing.get(file) === next) writing.delete(file);
  });
  return next;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Records a run as the model's next version, in `staging`. The model's file is created when the model has none
 * (`ai/models/<model>.yaml`); otherwise the version is appended through yaml's Document API, which keeps the
 * file's comments and key order. The result is validated before anything is written, the write is atomic, and a
 * file changed on disk meanwhile is not overwritten.
 */
export async function registerVersion(
  dataDir: string,
  model: string,
  entry: NewVersion,
): Promise<RegistryChange> {
  const files = await loadModels(dataDir);
  const lookup = findModel(files, model);
  if ('error' in lookup) return { ok: false, message: lookup.error };
  const file = 'found' in lookup ? lookup.found.file : join(modelsFolder(dataDir), `${model}.yaml`);
  return oneAtATime(file, async () => {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && 'missing' in lookup) return undefined;
      throw error;
    });
    const before = text === undefined ? undefined : parseModelFile(file, text);
    if (before && !before.ok) return { ok: false, message: before.errors.map(formatSourceError).join('\n') };
    const version = before?.ok ? nextVersionNumber(before.model) : 1;
    const node = {
      version,
      stage: 'staging',
      run: entry.run,
      ...(entry.experiment ? { experiment: entry.experiment } : {}),
      params: entry.params,
      metrics: entry.metrics,
      artifact: entry.artifact,
      registeredAt: entry.registeredAt,
      registeredBy: entry.registeredBy,
    };
    const next = text === undefined ? newModelText(model, node) : appendVersion(text, node);
    const after = parseModelFile(file, next);
    if (!after.ok || !after.model.versions.some((v) => v.version === version)) {
      const why = after.ok
        ? 'the new version does not read back'
        : after.errors.map(formatSourceError).join('; ');
      return {
        ok: false,
        message: `${file}: could not add v${version} without breaking the file (${why}); nothing was written`,
      };
    }
    const changed = await changedOnDisk(file, text);
    if (changed) return { ok: false, message: changed };
    if (text === undefined) await mkdir(modelsFolder(dataDir), { recursive: true });
    await writeFileAtomic(file, next);
    return { ok: true, file, version, transitions: [{ version, from: 'new', to: 'staging' }] };
  });
}

/**
 * Moves a version to another stage (`promotion` says which changes are allowed, and archives the version that
 * was in production when another one goes there). Only the `stage:` values change: every other byte of the file
 * stays as it was (the parser's source tokens are edited), through the Document API when that cannot be done.
 */
export async function promoteVersion(
  dataDir: string,
  model: string,
  version: number,
  stage: ModelStage,
): Promise<RegistryChange> {
  const files = await loadModels(dataDir);
  const lookup = findModel(files, model);
  if ('error' in lookup) return { ok: false, message: lookup.error };
  if ('missing' in lookup) return { ok: false, message: noModelMessage(model, lookup.names) };
  const { file } = lookup.found;
  return oneAtATime(file, async () => {
    const text = await readFile(file, 'utf8');
    const before = parseModelFile(file, text);
    if (!before.ok) return { ok: false, message: before.errors.map(formatSourceError).join('\n') };
    const change = promotion(before.model, version, stage);
    if (!change.ok) return { ok: false, message: change.message };
    const edits = change.transitions.map((t) => ({
      index: before.model.versions.findIndex((v) => v.version === t.version),
      stage: t.to,
    }));
    const next = setStagesInPlace(text, edits) ?? setStagesThroughDocument(text, edits);
    const after = parseModelFile(file, next);
    const readBack =
      after.ok &&
      change.transitions.every(
        (t) => after.model.versions.find((v) => v.version === t.version)?.stage === t.to,
      );
    if (!readBack)
      return {
        ok: false,
        message: `${file}: could not change the stage without rewriting the file; nothing was written`,
      };
    const changed = await changedOnDisk(file, text);
    if (changed) return { ok: false, message: changed };
    await writeFileAtomic(file, next);
    return { ok: true, file, version, transitions: change.transitions };
  });
}

async function changedOnDisk(file: string, read: string | undefined): Promise<string | undefined> {
  const now = await readFile(file, 'utf8').catch(() => undefined);
  const same = read === undefined ? now === undefined : now !== undefined && sha256(now) === sha256(read);
  return same ? undefined : `${file} changed on disk meanwhile; nothing was written (try again)`;
}

function newModelText(model: string, version: Record<string, unknown>): string {
  const doc = new Document({ name: model, versions: [version] });
  doc.commentBefore =
    ` Model ${model}: versions registered with \`infradeck ai register RUN --model ${model}\`,\n` +
    ' stages changed with `infradeck ai promote`. Comments you add here are kept.';
  return doc.toString({ lineWidth: 0 });
}

/**
 * The new version is written after the last one as text, indented like the others, so that every byte of the file
 * stays as it was; a file where that cannot be done (a flow list, no list yet) goes through the Document API.
 */
function appendVersion(text: string, version: Record<string, unknown>): string {
  return appendAsText(text, version) ?? appendThroughDocument(text, version);
}

function appendAsText(text: string, version: Record<string, unknown>): string | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  if (!isMap(doc.contents) || doc.contents.flow) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'versions');
  const seq = pair?.value;
  const entry = (indent: string) =>
    new Document([version])
      .toString({ lineWidth: 0 })
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => `${indent}${l}\n`)
      .join('');
  // `versions: []` or `versions:` with nothing yet: the list starts on the next line, under the key.
  const empty = isSeq(seq) && seq.flow && seq.items.length === 0;
  if (
    (empty || seq === null || (isScalar(seq) && seq.value === null)) &&
    isScalar(pair?.key) &&
    pair.key.range
  ) {
    const indent = ' '.repeat(lines.linePos(pair.key.range[0]).col + 1);
    const [from, to] =
      empty && seq.range ? [seq.range[0], seq.range[1]] : [pair.key.range[1], pair.key.range[1]];
    const lineEnd = text.indexOf('\n', to);
    const at = lineEnd < 0 ? text.length : lineEnd + 1;
    const head = `${text.slice(0, from).replace(/[ \t]+$/, '')}${text.slice(to, at)}`;
    return `${head}${head.endsWith('\n') ? '' : '\n'}${entry(indent)}${text.slice(at)}`;
  }
  if (!isSeq(seq) || seq.flow || seq.items.length === 0 || !seq.range) return undefined;
  const indent = ' '.repeat(lines.linePos(seq.range[0]).col - 1);
  const end = seq.range[1];
  const at = text[end - 1] === '\n' ? end : text.indexOf('\n', end) + 1 || text.length;
  const head = text.slice(0, at);
  return `${head}${head.endsWith('\n') || head === '' ? '' : '\n'}${entry(indent)}${text.slice(at)}`;
}

function appendThroughDocument(text: string, version: Record<string, unknown>): string {
  const doc: Document = parseDocument(text, { uniqueKeys: false });
  const seq = isMap(doc.contents) ? doc.get('versions', true) : undefined;
  if (!isMap(doc.contents)) {
    // Only comments (or nothing): the file's comments stay above the new content.
    doc.contents = doc.createNode({ versions: [version] });
  } else if (isSeq(seq) && !seq.flow && seq.items.length > 0) {
    doc.addIn(['versions'], doc.createNode(version));
  } else {
    // `versions: []` (or none yet) becomes a block list: one version per item, as the rest of the file reads.
    doc.set('versions', doc.createNode([version]));
  }
  // lineWidth 0: never fold a long value (a command, an artifact URI) over two lines.
  return doc.toString({ lineWidth: 0 });
}

function setStagesInPlace(
  text: string,
  edits: ReadonlyArray<{ index: number; stage: string }>,
): string | undefined {
  const tokens = [...new Parser().parse(text)];
  const [doc] = [...new Composer({ keepSourceTokens: true }).compose(tokens)];
  if (!doc) return undefined;
  for (const edit of edits) {
    const node = doc.getIn(['versions', edit.index, 'stage'], true);
    if (!isScalar(node) || !node.srcToken) return undefined;
    CST.setScalarValue(node.srcToken, edit.stage, { afterKey: true });
  }
  return tokens.map((t) => CST.stringify(t)).join('');
}

function setStagesThroughDocument(
  text: string,
  edits: ReadonlyArray<{ index: number; stage: string }>,
): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  for (const edit of edits) doc.setIn(['versions', edit.index, 'stage'], edit.stage);
  return doc.toString({ lineWidth: 0 });
}
