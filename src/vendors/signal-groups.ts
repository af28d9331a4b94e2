import type { VendorEvent } from './types.js';

/** Prefix of the event ids Pitstop gives grouped node signals that carry no vendor event id. */
export const SIGNAL_ID_PREFIX = 'node-signal:';

/** Builds the key under which id-less signals are the same event: kind, announced start and the vendor's code. */
function contentKey(event: VendorEvent): string {
  return `${event.kind}|${event.notBefore ?? ''}|${event.code ?? ''}`;
}

function groupKey(event: VendorEvent): string {
  return event.eventId === null ? `content:${contentKey(event)}` : `id:${event.eventId.toLowerCase()}`;
}

function laterOf(left: string | null | undefined, right: string | null | undefined): string | null | undefined {
  if (left === undefined || left === null) return right;
  if (right === undefined || right === null) return left;
  return Date.parse(right) > Date.parse(left) ? right : left;
}

/** Folds the per-node copies of one event into one event that names every node. */
function mergeEvents(events: VendorEvent[]): VendorEvent {
  const first = events[0]!;
  const merged: VendorEvent = { ...first, resources: [...new Set(events.flatMap((event) => event.resources))].sort() };
  // Nodes enter the window one by one, so the event has started once any node shows it started.
  if (events.some((event) => event.status === 'started')) merged.status = 'started';
  let latestStart = first.latestStart;
  for (const event of events) latestStart = laterOf(latestStart, event.latestStart);
  if (latestStart !== undefined) merged.latestStart = latestStart;
  const warnings = [...new Set(events.flatMap((event) => event.warnings ?? []))];
  if (warnings.length > 0) merged.warnings = warnings;
  return merged;
}

function overlaps(left: readonly string[], right: readonly string[]): boolean {
  const names = new Set(left);
  return right.some((name) => names.has(name));
}

function freshId(cluster: string, event: VendorEvent, used: Set<string>): string {
  const code = event.code === undefined ? '' : `:${event.code}`;
  const base = `${SIGNAL_ID_PREFIX}${cluster}:${event.kind}:${event.notBefore ?? 'no-start'}${code}`;
  let id = base;
  for (let suffix = 2; used.has(id.toLowerCase()); suffix += 1) id = `${base}#${suffix}`;
  return id;
}

/**
 * Groups the node signals of one cluster into one event per vendor event, so 100 nodes that show the same
 * maintenance window become one event naming 100 nodes. Signals with a vendor event id group by that id.
 * Signals without one group by kind, start and code, and get the id `node-signal:<cluster>:<kind>:<start>`
 * (plus `:<code>` when the vendor gives one), which keys their maintenance.
 *
 * `previous` is the last grouping stored for the cluster. An id-less group keeps the id it had there, and a
 * new id-less group whose nodes belonged to a previous group that is gone takes that group's id, so a
 * moved window or a changed kind updates the event instead of starting another. Returns events sorted by id.
 */
export function groupNodeSignals(cluster: string, signals: VendorEvent[], previous: VendorEvent[]): VendorEvent[] {
  const buckets = new Map<string, VendorEvent[]>();
  for (const event of signals) {
    const key = groupKey(event);
    buckets.set(key, [...(buckets.get(key) ?? []), event]);
  }
  const groups = [...buckets.values()].map(mergeEvents);

  const previousGrouped = previous.filter((event) => event.eventId?.startsWith(SIGNAL_ID_PREFIX) === true);
  const currentKeys = new Set(groups.filter((event) => event.eventId === null).map(contentKey));
  const vanished = previousGrouped.filter((event) => !currentKeys.has(contentKey(event)));
  const used = new Set(previousGrouped.map((event) => event.eventId!.toLowerCase()));

  for (const group of groups) {
    if (group.eventId !== null) continue;
    const same = previousGrouped.find((event) => contentKey(event) === contentKey(group));
    const moved = same ? undefined : vanished.find((event) => overlaps(event.resources, group.resources));
    if (moved) vanished.splice(vanished.indexOf(moved), 1);
    group.eventId = same?.eventId ?? moved?.eventId ?? freshId(cluster, group, used);
    used.add(group.eventId.toLowerCase());
  }
  return groups.sort((left, right) => left.eventId!.localeCompare(right.eventId!));
}
