import type { PitstopContext } from '../context.js';
import { parseSchedulerMessage, type SchedulingReason } from '../k8s/scheduler-message.js';
import { gpuRequest, type PodView } from '../k8s/views.js';
import type { PendingSummary } from '../slack/messages/maintenance.js';
import { teamOfNamespace } from './blast-radius.js';
import type { MaintenanceNode } from './model.js';

const CORDON_TAINT = 'node.kubernetes.io/unschedulable';
const NOT_READY_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
const EXAMPLES = 5;

/** Signals of the maintenance's nodes in one cluster that a scheduler reason can point at. */
interface ClusterSignals {
  cordoned: boolean;
  down: boolean;
  taints: Set<string>;
}

/** Taint keys the validation found blocking on the maintenance's nodes, from reasons such as `untolerated_taint:<key>`. */
function blockingTaints(nodes: readonly MaintenanceNode[]): string[] {
  return nodes.flatMap((node) =>
    node.checks.flatMap((check) =>
      check.reasons
        .map((reason) => /^(?:untolerated_taint|maintenance_taint):(.+)$/.exec(reason)?.[1])
        .filter((key): key is string => key !== undefined),
    ),
  );
}

function signalsOf(nodes: readonly MaintenanceNode[]): ClusterSignals {
  // A cordon placed before the maintenance is someone else's, so pods waiting on it do not wait on the maintenance.
  const cordoned = nodes.some((node) => node.present && node.cordoned && !node.cordonedBefore);
  const down = nodes.some((node) => node.state === 'down');
  const taints = new Set<string>(blockingTaints(nodes));
  if (cordoned) taints.add(CORDON_TAINT);
  if (down) for (const taint of NOT_READY_TAINTS) taints.add(taint);
  return { cordoned, down, taints };
}

/** Returns the label of a scheduler reason that the maintenance's nodes explain, or null when they do not. */
function maintenanceReason(reason: SchedulingReason, signals: ClusterSignals): string | null {
  if (reason.category === 'unschedulable' && signals.cordoned) return 'cordoned nodes';
  if (reason.category === 'node_not_ready' && signals.down) return 'nodes not ready';
  if (reason.taint !== undefined && signals.taints.has(reason.taint.key)) return `taint ${reason.taint.key}`;
  return null;
}

function pendingSince(pod: PodView): string | null {
  return pod.scheduled?.lastTransitionTime ?? pod.creationTimestamp;
}

/** Reads a pending pod's scheduler message; returns the maintenance reasons it shows, empty when none. */
function blockedBy(pod: PodView, signals: ClusterSignals): string[] {
  const scheduled = pod.scheduled;
  if (scheduled === null || scheduled.status !== 'False' || scheduled.reason !== 'Unschedulable' || !scheduled.message)
    return [];
  const reading = parseSchedulerMessage(scheduled.message);
  const labels = reading.reasons.map((reason) => maintenanceReason(reason, signals)).filter((label) => label !== null);
  return [...new Set(labels)];
}

function addCount<T extends { pods: number }>(
  map: Map<string, T>,
  key: string,
  make: () => T,
  update: (entry: T) => void,
): void {
  const entry = map.get(key) ?? make();
  entry.pods += 1;
  update(entry);
  map.set(key, entry);
}

/**
 * Counts the pending pods of the given clusters that the maintenance's nodes keep from scheduling: pods whose
 * scheduler message names cordoned nodes, not-ready nodes or a taint those nodes carry, while the maintenance
 * has such nodes in that cluster. The message gives counts, not node names, so a pod counts when its reason
 * matches what the maintenance's nodes do.
 */
export function summarisePending(
  ctx: PitstopContext,
  clusters: readonly string[],
  nodes: readonly MaintenanceNode[],
): PendingSummary {
  const byTeam = new Map<string, { team: string; pods: number; gpus: number }>();
  const byReason = new Map<string, { reason: string; pods: number }>();
  const counted: { name: string; since: string | null }[] = [];
  let gpus = 0;
  for (const cluster of clusters) {
    const signals = signalsOf(nodes.filter((node) => node.cluster === cluster));
    if (!signals.cordoned && !signals.down && signals.taints.size === 0) continue;
    for (const pod of ctx.fleet.pendingPods(cluster)) {
      const reasons = blockedBy(pod, signals);
      if (reasons.length === 0) continue;
      const podGpus = gpuRequest(pod);
      gpus += podGpus;
      const team = teamOfNamespace(ctx.config, pod.namespace).team;
      addCount(
        byTeam,
        team,
        () => ({ team, pods: 0, gpus: 0 }),
        (entry) => (entry.gpus += podGpus),
      );
      for (const reason of reasons)
        addCount(
          byReason,
          reason,
          () => ({ reason, pods: 0 }),
          () => undefined,
        );
      counted.push({ name: `${cluster}/${pod.namespace}/${pod.name}`, since: pendingSince(pod) });
    }
  }
  counted.sort((a, b) => (a.since ?? '').localeCompare(b.since ?? '') || a.name.localeCompare(b.name));
  const since = counted.map((pod) => pod.since).filter((time): time is string => time !== null);
  return {
    pods: counted.length,
    gpus,
    byTeam: [...byTeam.values()].sort((a, b) => b.pods - a.pods || a.team.localeCompare(b.team)),
    byReason: [...byReason.values()].sort((a, b) => b.pods - a.pods || a.reason.localeCompare(b.reason)),
    oldestSince: since.length === 0 ? null : since.reduce((oldest, time) => (time < oldest ? time : oldest)),
    examples: counted.slice(0, EXAMPLES).map((pod) => pod.name),
  };
}
