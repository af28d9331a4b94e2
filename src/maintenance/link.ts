import type { PitstopContext } from '../context.js';
import type { Maintenance } from './model.js';
import { getMaintenance, listMaintenances, nodesByName } from './store.js';

/** The maintenance that explains a group of pending pods, because the group's blocking nodes are in its scope. */
export interface MaintenanceLink {
  maintenanceId: string;
  title: string;
  /**
   * True while the maintenance is in progress and its planned end has not passed: the pods are expected to wait.
   * A maintenance started early by command counts from its actual start.
   */
  inWindow: boolean;
  /** The blocking nodes that the maintenance tracks, sorted. */
  nodesInScope: string[];
  /** How many of `nodesInScope` are still cordoned. */
  stillCordoned: number;
  /** How many of `nodesInScope` are validated. */
  validated: number;
}

/**
 * Closed maintenances still explain pending pods for this long after they closed, as long as nodes they tracked
 * are still cordoned or not validated. After that, an alert no longer names the maintenance.
 */
const CLOSED_LINK_MS = 7 * 24 * 3_600_000;

function linkable(maintenance: Maintenance, now: Date): boolean {
  if (maintenance.state === 'cancelled') return false;
  if (maintenance.state !== 'completed') return true;
  return maintenance.closedAt !== null && now.getTime() - Date.parse(maintenance.closedAt) < CLOSED_LINK_MS;
}

/**
 * Finds the maintenance whose tracked nodes in `cluster` explain the nodes blocking a pending-pod group, or null.
 * When several do, the one covering the most blocking nodes wins, and an in-window one before others. A completed
 * maintenance links only while some of its nodes are still cordoned or not validated.
 */
export function linkToMaintenance(
  ctx: PitstopContext,
  cluster: string,
  blockingNodes: string[],
): MaintenanceLink | null {
  if (blockingNodes.length === 0) return null;
  const now = ctx.clock.now();
  const byMaintenance = new Map<string, ReturnType<typeof nodesByName>>();
  for (const row of nodesByName(ctx.db, cluster, blockingNodes)) {
    byMaintenance.set(row.maintenanceId, [...(byMaintenance.get(row.maintenanceId) ?? []), row]);
  }
  const candidates: MaintenanceLink[] = [];
  for (const [id, rows] of byMaintenance) {
    const maintenance = getMaintenance(ctx.db, id);
    if (!maintenance || !linkable(maintenance, now)) continue;
    const stillCordoned = rows.filter((row) => row.present && row.cordoned).length;
    const validated = rows.filter((row) => row.state === 'validated').length;
    if (maintenance.state === 'completed' && stillCordoned === 0 && validated === rows.length) continue;
    candidates.push({
      maintenanceId: id,
      title: maintenance.title,
      inWindow: maintenance.state === 'in_progress' && now.getTime() < Date.parse(maintenance.windowEnd),
      nodesInScope: rows.map((row) => row.node).sort(),
      stillCordoned,
      validated,
    });
  }
  candidates.sort(
    (a, b) =>
      Number(b.inWindow) - Number(a.inWindow) ||
      b.nodesInScope.length - a.nodesInScope.length ||
      a.maintenanceId.localeCompare(b.maintenanceId, 'en', { numeric: true }),
  );
  return candidates[0] ?? null;
}

/**
 * Returns the maintenance whose window is open on `cluster` now, or null. The alerts use it for a group
 * whose scheduler message names a node state (cordoned, tainted, not ready) that no node shows any more:
 * the message predates the change and the scheduler has not retried yet, which during a window is the
 * maintenance's doing, not a new problem.
 */
export function openWindowOn(ctx: PitstopContext, cluster: string): Maintenance | null {
  const now = ctx.clock.now().getTime();
  const open = listMaintenances(ctx.db, ['in_progress']).filter(
    (maintenance) =>
      now < Date.parse(maintenance.windowEnd) && maintenance.clusters.some((entry) => entry.cluster === cluster),
  );
  return open[0] ?? null;
}
