import { readFile } from 'node:fs/promises';
import { type BlueprintFile, parseBlueprint } from '../../domain/blueprintSource';
import { fileErrorReason } from '../storage/yamlFile';

export async function readBlueprintFile(file: string): Promise<BlueprintFile & { text?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return {
      file,
      sha256: '',
      errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(err) }],
    };
  }
  return { ...parseBlueprint(file, text), text };
}
