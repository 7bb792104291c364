import { sparkline } from '../../components/Sparkline';
import type { Column } from '../../components/tableModel';
import { formatAge } from '../../domain/text';
import type { ServerReach, ServerView } from '../../state/services/servers';

export function reachText(reach: ServerReach | undefined, row: ServerView): string {
  if (!row.host) return row.source === 'ec2' && !row.ssh.ok ? 'not probed' : 'no address';
  const last = reach?.last;
  if (!last) return 'probing…';
  return last.ok ? `${Math.round(last.latencyMs ?? 0)} ms` : 'unreachable';
}

export function serverColumns(
  reach: () => Record<string, ServerReach>,
  now: () => number,
): Column<ServerView>[] {
  return [
    { key: 'name', title: 'NAME', width: 16, minWidth: 8, value: (r) => r.name },
    { key: 'source', title: 'KIND', width: 4, value: (r) => (r.source === 'ec2' ? 'ec2' : 'ssh') },
    {
      key: 'host',
      title: 'ADDRESS',
      width: 16,
      minWidth: 9,
      value: (r) => (r.host ? `${r.host}:${r.port}` : '—'),
    },
    {
      key: 'state',
      title: 'STATE',
      width: 9,
      value: (r) => r.state ?? '',
      color: (r) => (r.state === 'running' ? 'green' : r.state === 'stopped' ? 'yellow' : undefined),
    },
    { key: 'where', title: 'REGION', width: 14, minWidth: 6, value: (r) => r.region ?? r.project ?? '' },
    {
      key: 'reach',
      title: 'SSH PORT',
      width: 11,
      value: (r) => reachText(reach()[r.key], r),
      color: (r) => (reach()[r.key]?.last?.ok === false ? 'red' : undefined),
    },
    { key: 'spark', title: 'LATENCY', width: 20, value: (r) => sparkline(reach()[r.key]?.samples ?? [], 20) },
    {
      key: 'seen',
      title: 'PROBED',
      width: 6,
      align: 'right',
      value: (r) => {
        const at = reach()[r.key]?.last?.at;
        return at ? formatAge(now() - at) : '';
      },
    },
    { key: 'detail', title: 'DETAIL', width: 'flex', minWidth: 8, value: (r) => r.detail },
  ];
}
