import type { Column } from '../../components/tableModel';
import type { DeckEvent, EventData } from '../../domain/event';
import { describeJob, type JobView } from '../../domain/job';

/** A row of the Dashboard's list: a recent failure or one of the latest events. */
export type DashboardItem = { kind: 'failure'; job: JobView } | { kind: 'event'; event: DeckEvent };

export function itemKey(item: DashboardItem): string {
  return item.kind === 'failure' ? `job:${item.job.id}` : `event:${item.event.id}`;
}

/** What a row names, for Enter and `y`. */
export type DashboardTarget =
  | { kind: 'job'; id: string }
  | { kind: 'resource'; region: string; id: string }
  | { kind: 'none'; why: string };

/**
 * A failure names its job. An event names the resource it changed (`resource.changed`, when the resource is
 * still there), else its job; a worker's event names no job (the worker is on the Dashboard already).
 */
export function targetOf(item: DashboardItem): DashboardTarget {
  if (item.kind === 'failure') return { kind: 'job', id: item.job.id };
  const e = item.event;
  if (e.type === 'resource.changed') {
    const changes = (e.data as Partial<EventData['resource.changed']> | undefined)?.changes;
    const change = Array.isArray(changes) ? changes.find((c) => c.kind !== 'deleted') : undefined;
    if (change?.kind === 'upsert' && change.resource)
      return { kind: 'resource', region: change.resource.region, id: change.resource.id };
    if (change?.kind === 'state') return { kind: 'resource', region: change.region, id: change.id };
  }
  if (e.jobId) return { kind: 'job', id: e.jobId };
  return { kind: 'none', why: `${e.type} names no job or resource` };
}

const time = (at: number) => new Date(at).toTimeString().slice(0, 8);

/** The cells `/` matches, so `type:job.failed`, `id:123` and plain words work as on the tables. */
export const dashboardColumns: Column<DashboardItem>[] = [
  {
    key: 'id',
    title: 'ID',
    width: 10,
    value: (i) => (i.kind === 'failure' ? i.job.id : (i.event.jobId ?? '')),
  },
  {
    key: 'time',
    title: 'TIME',
    width: 8,
    value: (i) => time(i.kind === 'failure' ? (i.job.finishedAt ?? i.job.createdAt) : i.event.at),
  },
  { key: 'type', title: 'TYPE', width: 12, value: (i) => (i.kind === 'failure' ? i.job.kind : i.event.type) },
  { key: 'level', title: 'LEVEL', width: 5, value: (i) => (i.kind === 'failure' ? 'error' : i.event.level) },
  {
    key: 'message',
    title: 'MESSAGE',
    width: 'flex',
    value: (i) =>
      i.kind === 'failure'
        ? `${describeJob(i.job.kind, i.job.payload)} — ${i.job.error ?? ''}`
        : i.event.message,
  },
];
