import { sparkline } from '../../components/Sparkline';
import { type Column, Priority } from '../../components/tableModel';
import { tagsText } from '../../domain/serverTags';
import { formatAge } from '../../domain/text';
import type { ServerReach, ServerView } from '../../state/services/servers';

export function reachText(reach: ServerReach | undefined, row: ServerView): string {
  // Nothing to probe (ADDRESS shows the instance's id): why (a DEMO instance, a stopped one) is under the table
  // for the cursor's row, and a word here would take the width the names need at 80 columns.
  if (!row.host) return '—';
  const last = reach?.last;
  if (!last) return 'probing…';
  // The word for why (refused, timed out, no DNS); the whole sentence is under the table for the cursor's row.
  return last.ok ? `${Math.round(last.latencyMs ?? 0)} ms` : (last.short ?? 'unreachable');
}

export function serverColumns(
  reach: () => Record<string, ServerReach>,
  now: () => number,
  width = 80,
): Column<ServerView>[] {
  return [
    // The instances of a project share the start of their names and differ at the end (analytics-worker-a,
    // analytics-worker-b): a name too long for its column loses its middle, and the project hides first. Below
    // 70 columns a narrower minimum leaves the region whole (at 60, `ap-northeast…` named no region); the name
    // takes back what is left.
    {
      key: 'name',
      title: 'NAME',
      priority: Priority.identity,
      min: width < 70 ? 12 : 16,
      max: 24,
      cut: 'middle',
      value: (r) => r.name,
    },
    {
      key: 'source',
      title: 'KIND',
      priority: Priority.main,
      width: 4,
      value: (r) => (r.source === 'ec2' ? 'ec2' : 'ssh'),
    },
    // An instance with no address to reach (stopped, a DEMO one) shows its id, dimmed, as `y` copies it: the
    // instances of a project share their names, and at 80 columns nothing else on the row tells them apart.
    {
      key: 'host',
      title: 'ADDRESS',
      priority: Priority.identity,
      whole: true,
      max: 40,
      value: (r) => (r.host ? `${r.host}:${r.port}` : (r.instanceId ?? '—')),
      color: (r) => (r.host ? undefined : 'gray'),
    },
    {
      key: 'state',
      title: 'STATE',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.state ?? '',
      color: (r) => (r.state === 'running' ? 'green' : r.state === 'stopped' ? 'yellow' : undefined),
    },
    // A servers.yaml host has no region; its project (like an instance's tag) has a column of its own.
    {
      key: 'region',
      title: 'REGION',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.region ?? '',
    },
    {
      key: 'reach',
      title: 'SSH PORT',
      priority: Priority.main,
      whole: true,
      value: (r) => reachText(reach()[r.key], r),
      color: (r) => (reach()[r.key]?.last?.ok === false ? 'red' : undefined),
    },
    { key: 'project', title: 'PROJECT', priority: Priority.detail, max: 16, value: (r) => r.project ?? '' },
    // What a batch's `tags:` selects on (`role=web`): shown, and so found by `/`. Name and the tags AWS and infradeck
    // set themselves are in other columns already, or say nothing to a person.
    { key: 'tags', title: 'TAGS', priority: Priority.extra, min: 12, max: 32, value: tagsText },
    {
      key: 'spark',
      title: 'LATENCY',
      priority: Priority.extra,
      width: 20,
      value: (r) => sparkline(reach()[r.key]?.samples ?? [], 20),
    },
    {
      key: 'seen',
      title: 'PROBED',
      priority: Priority.extra,
      width: 6,
      align: 'right',
      value: (r) => {
        const at = reach()[r.key]?.last?.at;
        return at ? formatAge(now() - at) : '';
      },
    },
    {
      key: 'detail',
      title: 'DETAIL',
      priority: Priority.detail,
      flex: true,
      min: 12,
      value: (r) => r.detail,
    },
  ];
}
