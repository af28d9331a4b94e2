import type { PitstopContext } from '../context.js';
import { createMaintenance, MaintenanceInputError, runLifecycleCommand } from '../maintenance/lifecycle.js';
import type { Maintenance, MaintenanceCluster, MaintenanceInput } from '../maintenance/model.js';
import { findByExternalKey, updatePlan } from '../maintenance/store.js';
import { recordTimeline } from '../store/outbox.js';
import type { EventMatch } from './match.js';
import type { EventKind, VendorEvent } from './types.js';

/** Event kinds that take a node out of service, so a matched event of one becomes a maintenance. */
const MAINTENANCE_EVENT_KINDS: ReadonlySet<EventKind> = new Set(['reboot', 'redeploy', 'migrate', 'retirement', 'stop']);

/**
 * Returns whether an event becomes a maintenance by its kind. An event of unknown kind that states its start
 * is scheduled work on the node (GKE's `scheduled-maintenance-time` label names no kind), so it counts too.
 */
function takesNodesOut(event: VendorEvent): boolean {
  return MAINTENANCE_EVENT_KINDS.has(event.kind) || (event.kind === 'unknown' && event.notBefore !== null);
}

/**
 * Window length assumed when a notice gives a start but neither an end nor an impact duration.
 * NOTE: one hour is an estimate, so such a maintenance may announce its end before the vendor's work is done.
 */
const ASSUMED_WINDOW_SECONDS = 3_600;

const MAX_TITLE_LENGTH = 150;

/**
 * Builds the key that makes a maintenance from a notice idempotent: the vendor's event id (lower-cased, since
 * Azure sends GUIDs in either case), else the kind, start and resources.
 */
export function maintenanceKeyOf(event: VendorEvent): string {
  if (event.eventId !== null) return `notice:${event.vendor}:${event.eventId.toLowerCase()}`;
  const resources = [...event.resources].map((resource) => resource.toLowerCase()).sort();
  return `notice:${event.vendor}:${event.kind}:${event.notBefore ?? 'no-start'}:${resources.join(',')}`;
}

function titleOf(event: VendorEvent, nodeCount: number): string {
  const base = `${event.vendor} ${event.kind} of ${nodeCount} node${nodeCount === 1 ? '' : 's'}`;
  const detail = event.description ?? event.code;
  const title = detail ? `${base}: ${detail}` : base;
  return title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title;
}

function windowOf(event: VendorEvent, now: Date): { start: string; end: string } {
  const start = event.notBefore ?? now.toISOString();
  const startMs = Date.parse(start);
  if (event.notAfter !== null && Date.parse(event.notAfter) > startMs) return { start, end: event.notAfter };
  const seconds = event.durationSeconds !== null && event.durationSeconds > 0 ? event.durationSeconds : ASSUMED_WINDOW_SECONDS;
  return { start, end: new Date(startMs + seconds * 1000).toISOString() };
}

function inputOf(match: EventMatch, now: Date): MaintenanceInput {
  const byCluster = new Map<string, string[]>();
  for (const node of match.nodes) {
    const names = byCluster.get(node.cluster) ?? [];
    if (!names.includes(node.node)) names.push(node.node);
    byCluster.set(node.cluster, names);
  }
  const clusters: MaintenanceCluster[] = [...byCluster].map(([cluster, nodes]) => ({ cluster, scope: { nodes } }));
  const { event } = match;
  return {
    title: titleOf(event, match.nodes.length),
    // The vendor announced work on its hosts, whatever the event kind.
    kind: 'hardware',
    vendor: event.vendor,
    owner: event.vendor,
    clusters,
    ...windowOf(event, now),
    // A live migration moves the VM without restarting it; every other kind restarts or replaces it.
    requiresReboot: event.kind !== 'migrate',
  };
}

/**
 * Creates (or finds, by {@link maintenanceKeyOf}) the maintenance of each matched event that takes nodes
 * out of service, and cancels the maintenance of an event the vendor cancelled. Returns the maintenance
 * id per event, or null. Call it inside the transaction that stores the notice.
 */
export function applyNoticeToMaintenances(ctx: PitstopContext, matches: EventMatch[]): (string | null)[] {
  return matches.map((match) => {
    const { event } = match;
    const key = maintenanceKeyOf(event);
    const existing = findByExternalKey(ctx.db, key);
    if (event.status === 'cancelled') {
      if (existing) runLifecycleCommand(ctx, 'cancel', existing.id, `${event.vendor} notice`);
      return existing?.id ?? null;
    }
    const open = event.status === 'scheduled' || event.status === 'started';
    if (existing) {
      if (open) replanFromEvent(ctx, existing, match);
      return existing.id;
    }
    if (!open || !takesNodesOut(event) || match.nodes.length === 0) return null;
    try {
      return createMaintenance(ctx, inputOf(match, ctx.clock.now()), {
        source: 'notice',
        actor: `${event.vendor} notice`,
        externalKey: key,
      }).id;
    } catch (error) {
      if (!(error instanceof MaintenanceInputError)) throw error;
      ctx.log.warn({ event: event.eventId, vendor: event.vendor, err: error }, 'maintenance from notice rejected');
      return null;
    }
  });
}

/** Adds the matched nodes that are not yet in a cluster's node list; other scopes stay as they are. */
function widenedClusters(clusters: MaintenanceCluster[], match: EventMatch): MaintenanceCluster[] {
  const next = clusters.map((entry) => ({ cluster: entry.cluster, scope: { ...entry.scope } }));
  for (const node of match.nodes) {
    let entry = next.find((candidate) => candidate.cluster === node.cluster);
    if (entry === undefined) {
      entry = { cluster: node.cluster, scope: { nodes: [] } };
      next.push(entry);
    }
    const names = entry.scope.nodes;
    if (names !== undefined && !names.includes(node.node)) entry.scope.nodes = [...names, node.node];
  }
  return next;
}

/**
 * Moves the window of a maintenance that has not started to the event's new start, and adds newly named
 * nodes to its scope, so a vendor's reschedule or a growing event updates the maintenance it created.
 * An event without a start leaves the window alone, because its window would be counted from now.
 */
function replanFromEvent(ctx: PitstopContext, existing: Maintenance, match: EventMatch): void {
  if (existing.state !== 'scheduled' && existing.state !== 'announced') return;
  const { event } = match;
  const window = event.notBefore === null ? null : windowOf(event, ctx.clock.now());
  const windowStart = window === null ? existing.windowStart : new Date(window.start).toISOString();
  const windowEnd = window === null ? existing.windowEnd : new Date(window.end).toISOString();
  const clusters = widenedClusters(existing.clusters, match);
  const changed =
    windowStart !== existing.windowStart ||
    windowEnd !== existing.windowEnd ||
    JSON.stringify(clusters) !== JSON.stringify(existing.clusters);
  if (!changed || Date.parse(windowEnd) <= Date.parse(windowStart)) return;
  const nodeCount = clusters.reduce((sum, entry) => sum + (entry.scope.nodes?.length ?? 0), 0);
  const title = titleOf(event, nodeCount);
  updatePlan(ctx.db, { ...existing, title, windowStart, windowEnd, clusters }, ctx.clock.now());
  recordTimeline(
    ctx.db,
    {
      subjectType: 'maintenance',
      subjectId: existing.id,
      actor: `${event.vendor} notice`,
      action: 'plan_updated',
      detail: { windowStart, windowEnd, clusters },
    },
    ctx.clock.now(),
  );
  ctx.log.info({ maintenance: existing.id, vendor: event.vendor, event: event.eventId, windowStart, windowEnd }, 'maintenance updated from notice');
}
