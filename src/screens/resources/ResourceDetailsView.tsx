import type { Resource, ResourceIndex } from '../../domain/resource';
import { TextDetails } from '../TextDetails';
import { typeLabel } from './resourceColumns';

function flatten(value: unknown, prefix: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) flatten(v, `${prefix}[${i}]`, out);
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push(`  ${prefix}: ${String(value)}`);
}

export function resourceDetailLines(r: Resource, index: ResourceIndex): string[] {
  const lines = [
    `${typeLabel[r.type]} ${r.id}${r.name ? `  ${r.name}` : ''}`,
    `  region ${r.region}  state ${r.state ?? '-'}  project ${r.project ?? '-'}`,
    `  ${r.detail}`,
    '',
  ];
  const related = index.related(r);
  lines.push(`Related (${related.length}):`);
  for (const o of related)
    lines.push(`  ${typeLabel[o.type]} ${o.id}${o.name ? ` (${o.name})` : ''}  ${o.state ?? ''}`);
  lines.push('', `Tags (${Object.keys(r.tags).length}):`);
  for (const [k, v] of Object.entries(r.tags)) lines.push(`  ${k} = ${v}`);
  lines.push('', 'Attributes:');
  if (r.raw) flatten(r.raw, '', lines);
  else lines.push('  (none recorded by the scan)');
  return lines;
}

/** Enter on a resource: everything known about it, its tags and the resources it is tied to. */
export function ResourceDetailsView({
  resource,
  index,
  width,
  height,
  active,
  onBack,
}: {
  resource: Resource;
  index: ResourceIndex;
  width: number;
  height: number;
  active: boolean;
  onBack: () => void;
}) {
  return (
    <TextDetails
      lines={resourceDetailLines(resource, index)}
      width={width}
      height={height}
      active={active}
      onBack={onBack}
    />
  );
}
