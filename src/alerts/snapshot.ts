import type { MaintenanceLink } from '../maintenance/link.js';
import { plural } from '../slack/messages/common.js';
import type { Cause } from './cause.js';
import type { PendingGroup, WorkloadCount } from './grouping.js';

/** How many entries of each list an alert keeps; the counts keep the full totals. */
export const SNAPSHOT_LIMITS = { workloads: 10, nodes: 30, namespaces: 10, breakdown: 8 } as const;

/**
 * Bounded summary of a group as its alert message shows it, so a group of thousands of pods stores and
 * renders in constant space. It is stored with the alert, so Slack actions can re-render the message
 * without the fleet.
 */
export interface AlertSnapshot {
  cluster: string;
  team: string;
  cause: Cause;
  podCount: number;
  since: string | null;
  namespaces: string[];
  namespaceCount: number;
  /** The largest workloads, most pods first. */
  workloads: WorkloadCount[];
  workloadCount: number;
  blocking: {
    kind: string;
    summary: string | null;
    nodes: string[];
    nodeCount: number;
    breakdown: { label: string; count: number }[];
  };
  /** The maintenance whose nodes block the group, once its window has ended. */
  maintenance: {
    id: string;
    title: string;
    nodesInScope: number;
    stillCordoned: number;
    validated: number;
  } | null;
}

/** Reduces a group and its maintenance link to the bounded snapshot an alert stores. */
export function summariseGroup(group: PendingGroup, link: MaintenanceLink | null): AlertSnapshot {
  return {
    cluster: group.cluster,
    team: group.team,
    cause: group.cause,
    podCount: group.pods.length,
    since: group.since,
    namespaces: group.namespaces.slice(0, SNAPSHOT_LIMITS.namespaces),
    namespaceCount: group.namespaces.length,
    workloads: group.workloads.slice(0, SNAPSHOT_LIMITS.workloads),
    workloadCount: group.workloads.length,
    blocking: {
      kind: group.blocking.kind,
      summary: group.blocking.summary,
      nodes: group.blocking.nodes.slice(0, SNAPSHOT_LIMITS.nodes),
      nodeCount: group.blocking.nodes.length,
      breakdown: group.blocking.breakdown.slice(0, SNAPSHOT_LIMITS.breakdown),
    },
    maintenance: link
      ? {
          id: link.maintenanceId,
          title: link.title,
          nodesInScope: link.nodesInScope.length,
          stillCordoned: link.stillCordoned,
          validated: link.validated,
        }
      : null,
  };
}

/**
 * Returns a key for the kind of explanation the alert gives, without its counts. A change of this key
 * (nodes went from cordoned to missing GPUs, or a maintenance is now named) is worth a thread reply.
 * A node count that moves by one is not.
 */
export function explanationKey(snapshot: AlertSnapshot): string {
  return `${snapshot.blocking.kind}|${snapshot.maintenance?.id ?? ''}`;
}

/** One-line summary stored with the alert and used as the message's fallback text. */
export function summaryLine(snapshot: AlertSnapshot): string {
  const pods = plural(snapshot.podCount, 'pod');
  const detail = maintenanceSentence(snapshot) ?? snapshot.blocking.summary ?? snapshot.cause.text;
  return `${pods} pending on ${snapshot.cluster} (team ${snapshot.team}): ${detail}`;
}

/** Names the maintenance behind the blocking nodes, such as "24 nodes of MX-12 still cordoned, validation passed on 20 of them". */
export function maintenanceSentence(snapshot: AlertSnapshot): string | null {
  const maintenance = snapshot.maintenance;
  if (!maintenance) return null;
  const inScope = maintenance.nodesInScope;
  const nodes = plural(inScope, 'node');
  if (maintenance.stillCordoned === inScope) {
    return `${nodes} of ${maintenance.id} still cordoned, validation passed on ${maintenance.validated} of them`;
  }
  if (maintenance.stillCordoned > 0) {
    return `${maintenance.stillCordoned} of ${nodes} of ${maintenance.id} still cordoned, validation passed on ${maintenance.validated} of the ${inScope}`;
  }
  const verb = inScope === 1 ? 'blocks' : 'block';
  return `${nodes} of ${maintenance.id} ${verb} these pods, validation passed on ${maintenance.validated} of them`;
}
