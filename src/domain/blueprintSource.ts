import { createHash } from 'node:crypto';
import type { Document, LineCounter } from 'yaml';
import { type Blueprint, blueprintSchema } from './blueprint';
import type { SourceError } from './sourceError';
import { parseYamlFile, sourceErrorAt } from './yamlSource';

export interface BlueprintFile {
  file: string;
  /** SHA-256 of the file's text: the snapshot a deploy works from. Empty when it could not be read. */
  sha256: string;
  /** Set when the file is valid. */
  blueprint?: Blueprint;
  /** Every problem, located (`file:line:col`); empty when valid. */
  errors: SourceError[];
  /** Locates a later problem (a name used by another file) at its YAML node; absent when unreadable. */
  locate?: (path: (string | number)[], message: string) => SourceError;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Validates blueprint text: syntax, schema, references, CIDRs, instance types. Never throws. */
export function parseBlueprint(file: string, text: string): BlueprintFile {
  const parsed = parseYamlFile(file, text, blueprintSchema);
  if (!parsed.ok) return { file, sha256: sha256(text), errors: parsed.errors };
  const locate = locator(file, parsed.doc, parsed.lines);
  return { file, sha256: sha256(text), blueprint: parsed.value, errors: [], locate };
}

function locator(file: string, doc: Document.Parsed, lines: LineCounter) {
  return (path: (string | number)[], message: string) => sourceErrorAt(file, doc, lines, path, message);
}
