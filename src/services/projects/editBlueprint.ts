import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { SourceError } from '../../domain/sourceError';
import { writeFileAtomic } from '../storage/atomicWrite';
import { fileErrorReason } from '../storage/yamlDocument';
import { type BlueprintFile, parseBlueprint, sha256 } from './blueprintFile';

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

  const doc = parseDocument(text, { keepSourceTokens: false });
  for (const edit of edits) {
    if ('delete' in edit) doc.deleteIn(edit.path);
    else if ('append' in edit) doc.addIn(edit.path, doc.createNode(edit.append));
    else doc.setIn(edit.path, doc.createNode(edit.value));
  }
  // lineWidth 0: never fold a long value over two lines (user data, descriptions stay as written).
  const next = doc.toString({ lineWidth: 0 });
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
