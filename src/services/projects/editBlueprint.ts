import { readFile } from 'node:fs/promises';
import { Composer, CST, isScalar, Parser, parseDocument } from 'yaml';
import { type BlueprintFile, parseBlueprint, sha256 } from '../../domain/blueprintSource';
import type { SourceError } from '../../domain/sourceError';
import { writeFileAtomic } from '../storage/atomicWrite';
import { fileErrorReason } from '../storage/yamlFile';

/** One change to a blueprint: set a value (creating the maps on the way) or delete a key / list item. */
export type BlueprintEdit =
  | { path: (string | number)[]; value: unknown }
  | { path: (string | number)[]; delete: true }
  /** Append to a list (a new subnet, a new rule). */
  | { path: (string | number)[]; append: unknown };

export type EditResult =
  | { ok: true; file: BlueprintFile; text: string }
  | { ok: false; errors: SourceError[] };

/**
 * Changes a blueprint the way a person would: comments, key order, quoting and blank lines stay as they
 * were, only the edited values change. The result is validated before anything is written (an edit that
 * would make the blueprint invalid writes nothing and returns the errors), and the write is atomic. A file
 * changed on disk while the edit was prepared is not overwritten.
 */
export async function editBlueprintFile(file: string, edits: readonly BlueprintEdit[]): Promise<EditResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(err) }] };
  }
  const before = parseBlueprint(file, text);
  const syntax = before.errors.filter((e) => e.path === '');
  if (syntax.length > 0) return { ok: false, errors: syntax };

  const next = setScalarsInPlace(text, edits) ?? restringify(text, edits);
  const after = parseBlueprint(file, next);
  if (after.errors.length > 0) return { ok: false, errors: after.errors };

  const onDisk = await readFile(file, 'utf8').catch(() => undefined);
  if (onDisk === undefined || sha256(onDisk) !== before.sha256) {
    return {
      ok: false,
      errors: [
        {
          file,
          line: 0,
          column: 0,
          path: '',
          message: 'the file changed on disk meanwhile; nothing was written (try again)',
        },
      ],
    };
  }
  await writeFileAtomic(file, next);
  return { ok: true, file: after, text: next };
}

/**
 * Changes that only replace existing scalars (a count, a type, an owner) are made on the parser's source
 * tokens: every other byte of the file stays as it was. Undefined when the edits are of another kind or the
 * result does not read back as the values asked for.
 */
function setScalarsInPlace(text: string, edits: readonly BlueprintEdit[]): string | undefined {
  const scalars = edits.filter((e): e is { path: (string | number)[]; value: unknown } => 'value' in e);
  if (scalars.length !== edits.length) return undefined;
  if (!scalars.every((e) => ['string', 'number', 'boolean'].includes(typeof e.value))) return undefined;
  for (const quoted of [false, true]) {
    const tokens = [...new Parser().parse(text)];
    const [doc] = [...new Composer({ keepSourceTokens: true }).compose(tokens)];
    if (!doc) return undefined;
    for (const edit of scalars) {
      const node = doc.getIn(edit.path, true);
      if (!isScalar(node) || !node.srcToken) return undefined;
      const type = quoted && typeof edit.value === 'string' ? 'QUOTE_DOUBLE' : undefined;
      CST.setScalarValue(node.srcToken, String(edit.value), { afterKey: true, ...(type ? { type } : {}) });
    }
    const out = tokens.map((t) => CST.stringify(t)).join('');
    const check = parseDocument(out, noPairwiseKeyCheck);
    if (check.errors.length === 0 && scalars.every((e) => check.getIn(e.path) === e.value)) return out;
  }
  return undefined;
}

/**
 * The file was validated before it is edited, duplicate keys included; yaml's own check compares every pair
 * of keys of a map (a minute for 65,000 tags).
 */
const noPairwiseKeyCheck = { uniqueKeys: false } as const;

/** Any other change: through the Document API, which keeps comments and key order (spacing may normalise). */
function restringify(text: string, edits: readonly BlueprintEdit[]): string {
  const doc = parseDocument(text, noPairwiseKeyCheck);
  for (const edit of edits) {
    if ('delete' in edit) doc.deleteIn(edit.path);
    else if ('append' in edit) doc.addIn(edit.path, doc.createNode(edit.append));
    else doc.setIn(edit.path, doc.createNode(edit.value));
  }
  // lineWidth 0: never fold a long value over two lines (user data, descriptions stay as written).
  return doc.toString({ lineWidth: 0 });
}
