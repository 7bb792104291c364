import { stringify } from 'yaml';
import {
  type Resource,
  type ResourceIndex,
  type ResourceType,
  resourceKey,
  typedRefs,
} from '../../domain/resource';
import { nameText, typeLabel } from './resourceColumns';

/** A line of a resource's details. Lines with `copy` are where the cursor stops. */
export interface DetailLine {
  key: string;
  text: string;
  heading?: boolean;
  /** What `y` copies from this line: an id, a tag's or an attribute's value. */
  copy?: string;
  /** A related resource: Enter opens its details. */
  related?: Resource;
  /** A resource this one refers to that the index does not hold: what Enter (and `d`) say instead of opening it. */
  missing?: string;
}

/**
 * The references of `r` the index has nothing for, in the order of its refs: its VPC or subnet deleted, a route to
 * a gateway gone, a key pair removed. A key pair is referred to by its name, everything else by its id.
 */
function missingRefs(
  r: Resource,
  index: ResourceIndex,
  related: readonly Resource[],
): [ResourceType, string][] {
  return typedRefs(r).filter(([type, id]) =>
    type === 'key-pair'
      ? !related.some((o) => o.type === 'key-pair' && o.name === id)
      : index.get(r.region, id) === undefined,
  );
}

function flatten(value: unknown, prefix: string, out: DetailLine[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) flatten(v, `${prefix}[${i}]`, out);
  } else if (typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    const text = value instanceof Date ? value.toISOString() : String(value);
    out.push({ key: `attr:${prefix}`, text: `  ${prefix}: ${text}`, copy: text });
  }
}

/** The resource, the resources it is tied to (Enter opens them), its tags and every attribute of the scan. */
export function resourceDetailLines(r: Resource, index: ResourceIndex): DetailLine[] {
  const lines: DetailLine[] = [
    { key: 'self', text: `${typeLabel[r.type]} ${r.id}${nameText(r) ? `  ${nameText(r)}` : ''}`, copy: r.id },
    { key: 'where', text: `  region ${r.region}  state ${r.state || '-'}  project ${r.project || '-'}` },
    { key: 'detail', text: `  ${r.detail}` },
    { key: 'gap:related', text: '' },
  ];
  const related = index.related(r);
  const missing = missingRefs(r, index, related);
  const count = related.length + missing.length;
  lines.push({
    key: 'related',
    text: `Related (${count}${missing.length ? `, ${missing.length} not in the last scan` : ''}):`,
    heading: true,
  });
  for (const o of related)
    lines.push({
      key: `related:${resourceKey(o)}`,
      text: `  ${typeLabel[o.type]} ${o.id}${nameText(o) ? ` (${nameText(o)})` : ''}  ${o.state ?? ''}`,
      copy: o.id,
      related: o,
    });
  // Still named by the resource (its VPC deleted, a route's gateway gone): listed, so the details do not hide
  // what the resource points at, and marked, so Enter is not expected to open it.
  for (const [type, id] of missing)
    lines.push({
      key: `missing:${type}:${id}`,
      text: `  ${typeLabel[type]} ${id} (not in the last scan)`,
      copy: id,
      // Short enough for the message line at 80 columns: the line itself says what it is.
      missing: `${id} is not in the last scan: nothing to open`,
    });
  lines.push({ key: 'gap:tags', text: '' });
  lines.push({ key: 'tags', text: `Tags (${Object.keys(r.tags).length}):`, heading: true });
  for (const [k, v] of Object.entries(r.tags))
    lines.push({ key: `tag:${k}`, text: `  ${k} = ${v}`, copy: v });
  lines.push({ key: 'gap:attributes', text: '' });
  lines.push({ key: 'attributes', text: 'Attributes:', heading: true });
  if (r.raw) flatten(r.raw, '', lines);
  else lines.push({ key: 'attr:none', text: '  (none recorded by the scan)' });
  return lines;
}

/** `d`: everything infradeck knows about a resource, as YAML (the scan's attributes unabridged). */
export function resourceYaml(r: Resource): string[] {
  const doc: Record<string, unknown> = {
    type: r.type,
    id: r.id,
    name: r.name,
    region: r.region,
    state: r.state,
    project: r.project,
    created: r.createdAt === undefined ? undefined : new Date(r.createdAt).toISOString(),
    detail: r.detail,
    implicit: r.implicit,
    tags: r.tags,
    refs: Object.keys(r.refs).length ? r.refs : undefined,
    attributes: r.raw ?? null,
  };
  try {
    return stringify(doc, { lineWidth: 0 }).replace(/\n$/, '').split('\n');
  } catch (error) {
    // A scan that recorded something YAML cannot write (a cycle) still shows what it can.
    return [`# cannot write ${r.id} as YAML: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/** A view over the Resources list, as kept in the ui slice's view stack. */
export type ResourceView = { kind: 'details' | 'describe'; key: string };

export function resourceViewEntry(view: ResourceView): string {
  return `${view.kind}:${view.key}`;
}

export function parseResourceView(entry: string | undefined): ResourceView | undefined {
  // `s`: an id a scan recorded with a line break still opens (without it Enter did nothing on that row).
  const m = entry ? /^(details|describe):(.+)$/s.exec(entry) : null;
  return m ? { kind: m[1] as ResourceView['kind'], key: m[2] } : undefined;
}

/** The resource a key (`region/id`) names, if the index still has it. */
export function resourceAt(index: ResourceIndex, key: string): Resource | undefined {
  const slash = key.indexOf('/');
  return slash < 0 ? undefined : index.get(key.slice(0, slash), key.slice(slash + 1));
}
