import { Box, Text } from 'ink';
import { useState } from 'react';
import { useDeckContext } from '../../app/deckContext';
import { useKeys } from '../../app/keyDispatcher';
import { isLogScrollAction, LogView, logScroll } from '../../components/LogView';
import type { Resource, ResourceIndex } from '../../domain/resource';
import { fitWidth } from '../../domain/text';
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
  const { theme } = useDeckContext();
  const [scroll, setScroll] = useState({ offset: 0, follow: false });
  const lines = resourceDetailLines(resource, index);
  const bodyHeight = height - 1;

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (action === 'view.back') onBack();
      else if (action && isLogScrollAction(action))
        setScroll((s) => logScroll(s, action, lines.length, bodyHeight));
      else return false;
      return true;
    },
    active,
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <LogView
        lines={lines}
        width={width}
        height={bodyHeight}
        follow={scroll.follow}
        offset={scroll.offset}
      />
      <Text color={theme.muted}>{fitWidth(' Esc back  j/k scroll', width)}</Text>
    </Box>
  );
}
