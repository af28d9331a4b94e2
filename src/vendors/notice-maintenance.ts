import type { PitstopContext } from '../context.js';
import { createMaintenance, MaintenanceInputError, runLifecycleCommand } from '../maintenance/lifecycle.js';
import type { MaintenanceCluster, MaintenanceInput } from '../maintenance/model.js';
import { findByExternalKey } from '../maintenance/store.js';
import type { EventMatch } from './match.js';
import type { EventKind, VendorEvent } from './types.js';

/** Event kinds that take a node out of service, so a matched event of one becomes a maintenance. */
const MAINTENANCE_EVENT_KINDS: ReadonlySet<EventKind> = new Set(['reboot', 'redeploy', 'migrate', 'retirement', 'stop']);

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
    if (existing) return existing.id;
    const open = event.status === 'scheduled' || event.status === 'started';
    if (!open || !MAINTENANCE_EVENT_KINDS.has(event.kind) || match.nodes.length === 0) return null;
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
