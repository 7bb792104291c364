import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Composer, CST, isMap, isScalar, LineCounter, Parser, parseDocument, type YAMLMap } from 'yaml';
import { hostTimeZone } from '../../domain/scheduleCron';
import { parseSchedulesFile } from '../../domain/scheduleSource';
import { writeFileAtomic } from '../storage/atomicWrite';
import { fileErrorReason } from '../storage/yamlFile';
import { schedulesFilePath } from './schedulesFile';

export type EnableResult =
  | { ok: true; changed: boolean; file: string }
  | { ok: false; file: string; error: string; code: 'usage' | 'failed' };

/**
 * Sets a schedule's `enabled:` the way a person would: the rest of the file stays byte for byte (comments,
 * order, quoting). An existing `enabled:` value is replaced where it is; a missing one is written on the line
 * after the schedule's `name:`, indented like it (a schedule written as a flow map `{ … }` goes through yaml's
 * Document API, which keeps comments and order). The write is atomic, and refused when the file changed on
 * disk meanwhile, when it does not parse, or when the edit would not read back as asked.
 */
export async function setScheduleEnabled(
  dataDir: string,
  name: string,
  enabled: boolean,
  env: { TZ?: string } = process.env,
): Promise<EnableResult> {
  const file = schedulesFilePath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, file, error: `${file}: ${fileErrorReason(error)}`, code: 'failed' };
  }
  const zone = hostTimeZone(env);
  const before = parseSchedulesFile(file, text, zone);
  if (!before.readable) {
    return { ok: false, file, error: `${file} cannot be read as schedules; fix it first`, code: 'failed' };
  }
  const doc = parseDocument(text, { uniqueKeys: false });
  const entries = doc.getIn(['schedules'], true);
  const index = isSeqOfMaps(entries)
    ? entries.items.findIndex((entry) => isMap(entry) && entry.get('name') === name)
    : -1;
  if (index < 0) {
    const known = before.schedules.map((s) => s.name).join(', ') || 'none';
    return {
      ok: false,
      file,
      error: `no schedule "${name}" in ${file} (schedules: ${known})`,
      code: 'usage',
    };
  }
  if (before.invalid.some((i) => i.index === index)) {
    return {
      ok: false,
      file,
      error: `schedule "${name}" has errors in ${file}; fix them first`,
      code: 'failed',
    };
  }
  const current = before.schedules.find((s) => s.name === name);
  if (current?.enabled === enabled) return { ok: true, changed: false, file };

  const next =
    setInPlace(text, index, enabled) ??
    insertAfterName(text, index, enabled) ??
    throughDocument(text, index, enabled);
  const after = next === undefined ? undefined : parseSchedulesFile(file, next, zone);
  if (
    next === undefined ||
    !after ||
    after.schedules.find((s) => s.name === name)?.enabled !== enabled ||
    after.errors.length > before.errors.length
  ) {
    return {
      ok: false,
      file,
      error: `could not set enabled: ${enabled} on "${name}" in ${file} without rewriting it; edit the file by hand`,
      code: 'failed',
    };
  }
  const onDisk = await readFile(file, 'utf8').catch(() => undefined);
  if (onDisk === undefined || sha256(onDisk) !== sha256(text)) {
    return {
      ok: false,
      file,
      error: `${file} changed on disk meanwhile; nothing was written (try again)`,
      code: 'failed',
    };
  }
  await writeFileAtomic(file, next);
  return { ok: true, changed: true, file };
}

function isSeqOfMaps(node: unknown): node is { items: unknown[] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { items?: unknown }).items);
}

/** Replace an existing `enabled:` scalar on the parser's source tokens: every other byte stays. */
function setInPlace(text: string, index: number, enabled: boolean): string | undefined {
  const tokens = [...new Parser().parse(text)];
  const [doc] = [...new Composer({ keepSourceTokens: true }).compose(tokens)];
  const node = doc?.getIn(['schedules', index, 'enabled'], true);
  if (!isScalar(node) || !node.srcToken) return undefined;
  CST.setScalarValue(node.srcToken, String(enabled), { afterKey: true });
  return tokens.map((t) => CST.stringify(t)).join('');
}

/** A block map gets `enabled:` on its own line after `name:` (after any comment on that line). */
function insertAfterName(text: string, index: number, enabled: boolean): string | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  const entry = doc.getIn(['schedules', index], true) as YAMLMap | undefined;
  if (!isMap(entry) || entry.flow) return undefined;
  const pair = entry.items.find((p) => isScalar(p.key) && p.key.value === 'name');
  const key = pair?.key;
  const value = pair?.value;
  if (!isScalar(key) || !key.range || !isScalar(value) || !value.range) return undefined;
  const indent = ' '.repeat(lines.linePos(key.range[0]).col - 1);
  const lineEnd = text.indexOf('\n', value.range[1]);
  const at = lineEnd < 0 ? text.length : lineEnd;
  return `${text.slice(0, at)}\n${indent}enabled: ${enabled}${text.slice(at)}`;
}

/** Anything else (a flow map `{ name: x, … }`): the Document API, which keeps comments and order. */
function throughDocument(text: string, index: number, enabled: boolean): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  doc.setIn(['schedules', index, 'enabled'], enabled);
  return doc.toString({ lineWidth: 0 });
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
