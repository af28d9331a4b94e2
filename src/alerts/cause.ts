import type { SchedulingReading } from '../k8s/scheduler-message.js';
import { parseQuantity, type NodeView, type PodView } from '../k8s/views.js';

type SchedulingReason = SchedulingReading['reasons'][number];

/**
 * Why a pod is pending, reduced to what its alert is grouped by. `key` is stable across restarts and
 * scheduler wording: `unschedulable`, `untolerated_taint:<taint key>`, `insufficient_resource:<resource>`,
 * `node_not_ready`, `never_fits:<resource>`, or another scheduler category such as `node_affinity`.
 */
export interface Cause {
  key: string;
  /** A scheduler reason category, `never_fits`, or `unknown` when the message could not be read. */
  category: string;
  resource?: string;
  taintKey?: string;
  /** The reason as the scheduler printed it, or the computed sentence for `never_fits`. */
  text: string;
}

/** A pod that requests more of a resource than the largest node in the cluster has. */
export interface NeverFits {
  resource: string;
  /** Per-pod request in base units (cores, bytes, devices). */
  requested: number;
  /** Largest capacity of any node in the cluster, in the same units. */
  largest: number;
}

/**
 * Taint keys of nodes that never run workloads. A pod that does not tolerate them was never meant to run
 * there, so such a reason explains nothing about why the pod is stuck.
 */
const BACKGROUND_TAINTS = new Set(['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master']);

/** Order that breaks ties between reasons with equal node counts: node state first, capacity after. */
const CATEGORY_PRIORITY = [
  'unschedulable',
  'node_not_ready',
  'untolerated_taint',
  'node_pressure',
  'insufficient_resource',
  'volume_binding',
  'volume_node_affinity',
  'quota',
  'gang_or_queue',
  'topology_spread',
  'pod_affinity',
  'pod_anti_affinity',
  'too_many_pods',
  'volume_limits',
  'ports',
  'node_affinity',
  'autoscaler',
  'other',
];

/**
 * Tells whether a reason only restates that the pod never targeted those nodes: a node selector or
 * affinity that excludes them, or a control-plane taint.
 */
export function isConsequence(reason: SchedulingReason): boolean {
  if (reason.category === 'node_affinity') return true;
  return reason.taint !== undefined && BACKGROUND_TAINTS.has(reason.taint.key);
}

function priority(category: string): number {
  const index = CATEGORY_PRIORITY.indexOf(category);
  return index === -1 ? CATEGORY_PRIORITY.length : index;
}

/**
 * Picks the reason that explains the pod: the one with the most nodes that is not a consequence (see
 * {@link isConsequence}). When every reason is a consequence the largest of them is the cause, because then
 * nothing else holds the pod back. Returns `null` for a reading without reasons.
 */
export function mainReason(reading: SchedulingReading): SchedulingReason | null {
  const candidates = reading.reasons.filter((reason) => !isConsequence(reason));
  const pool = candidates.length > 0 ? candidates : reading.reasons;
  let best: SchedulingReason | null = null;
  for (const reason of pool) {
    if (best === null) {
      best = reason;
      continue;
    }
    const nodes = reason.nodes ?? 0;
    const bestNodes = best.nodes ?? 0;
    if (nodes > bestNodes || (nodes === bestNodes && priority(reason.category) < priority(best.category))) best = reason;
  }
  return best;
}

/** Builds the group cause for a scheduler reason. */
export function causeOfReason(reason: SchedulingReason): Cause {
  const base = { category: reason.category, text: reason.text };
  switch (reason.category) {
    case 'untolerated_taint':
    case 'node_pressure':
      return reason.taint
        ? { ...base, key: `${reason.category}:${reason.taint.key}`, taintKey: reason.taint.key }
        : { ...base, key: reason.category };
    case 'insufficient_resource':
    case 'quota':
      return reason.resource
        ? { ...base, key: `${reason.category}:${reason.resource}`, resource: reason.resource }
        : { ...base, key: reason.category };
    default:
      return { ...base, key: reason.category };
  }
}

/** The largest capacity any node reports for each resource, from `status.capacity` or else `status.allocatable`. */
export function largestCapacity(nodes: NodeView[]): Map<string, number> {
  const largest = new Map<string, number>();
  for (const node of nodes) {
    const resources = node.capacity ?? node.allocatable ?? {};
    for (const [resource, quantity] of Object.entries(resources)) {
      const value = parseQuantity(quantity);
      if (Number.isFinite(value) && value > (largest.get(resource) ?? 0)) largest.set(resource, value);
    }
  }
  return largest;
}

function isGpuResource(resource: string): boolean {
  return resource === 'nvidia.com/gpu' || /\/gpu$/.test(resource);
}

/**
 * Finds a resource the pod requests more of than any node has. Only resources that some node reports with
 * a capacity above zero count: a resource no node reports may be missing because its device plugin is down,
 * which waiting can fix. GPU resources are checked first, so a pod that is too big on several resources
 * reports its GPUs.
 */
export function findNeverFits(pod: PodView, largest: Map<string, number>): NeverFits | null {
  const resources = Object.keys(pod.requests).sort((a, b) => Number(isGpuResource(b)) - Number(isGpuResource(a)) || a.localeCompare(b));
  for (const resource of resources) {
    const requested = Number(pod.requests[resource]);
    const capacity = largest.get(resource) ?? 0;
    if (capacity > 0 && Number.isFinite(requested) && requested > capacity) return { resource, requested, largest: capacity };
  }
  return null;
}

/** Formats a quantity in base units the way an operator writes it: `16`, `1.5 cores`, `64Gi`. */
export function formatQuantity(resource: string, value: number): string {
  if (resource === 'cpu') return value === 1 ? '1 core' : `${Number(value.toPrecision(4))} cores`;
  if (resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) {
    const gib = value / 2 ** 30;
    if (gib >= 1) return `${Number(gib.toPrecision(4))}Gi`;
    return `${Number((value / 2 ** 20).toPrecision(4))}Mi`;
  }
  return String(Number(value.toPrecision(6)));
}

/** Builds the `never_fits` cause, such as "requests 16 nvidia.com/gpu per pod but no node has more than 8". */
export function causeOfNeverFits(neverFits: NeverFits): Cause {
  const requested = formatQuantity(neverFits.resource, neverFits.requested);
  const largest = formatQuantity(neverFits.resource, neverFits.largest);
  return {
    key: `never_fits:${neverFits.resource}`,
    category: 'never_fits',
    resource: neverFits.resource,
    text: `requests ${requested} ${neverFits.resource} per pod but no node has more than ${largest}`,
  };
}

/**
 * Decides the cause of one pending pod: a request no node can ever hold wins over whatever the scheduler
 * printed, because no node state change will schedule it; otherwise the main reason of the reading.
 */
export function causeOfPod(pod: PodView, reading: SchedulingReading | null, largest: Map<string, number>): Cause {
  const neverFits = findNeverFits(pod, largest);
  if (neverFits) return causeOfNeverFits(neverFits);
  const reason = reading ? mainReason(reading) : null;
  if (reason) return causeOfReason(reason);
  const message = pod.scheduled?.message?.trim() ?? '';
  return { key: 'unknown', category: 'unknown', text: message === '' ? 'the scheduler gave no reason' : message };
}

/** States a cause in plain words for the alert message; node counts come from the blocking-node summary. */
export function describeCause(cause: Cause): string {
  const resource = cause.resource ?? 'a requested resource';
  switch (cause.category) {
    case 'never_fits':
      return `These pods never fit: their workload ${cause.text}. Lower the request or add bigger nodes.`;
    case 'unschedulable':
      return 'Nodes the pods need are cordoned, so the scheduler skips them.';
    case 'untolerated_taint':
      return cause.taintKey
        ? `Nodes carry the taint \`${cause.taintKey}\`, which these pods do not tolerate.`
        : 'Nodes carry taints that these pods do not tolerate.';
    case 'node_not_ready':
      return 'Nodes the pods need are NotReady or unreachable.';
    case 'node_pressure':
      return 'Nodes report disk, memory or PID pressure, so the scheduler skips them.';
    case 'insufficient_resource':
      return `No node that fits has enough free ${resource}.`;
    case 'quota':
      return `A quota on ${resource} is used up.`;
    case 'node_affinity':
      return "No node matches the pods' node selector or node affinity.";
    case 'pod_affinity':
      return "The pods' inter-pod affinity rules match no node.";
    case 'pod_anti_affinity':
      return 'Pod anti-affinity rules keep the pods off every node that fits.';
    case 'topology_spread':
      return "The pods' topology spread constraints cannot be met.";
    case 'volume_binding':
      return "The pods' volumes cannot be bound.";
    case 'volume_node_affinity':
      return "The pods' volumes are bound to nodes the pods cannot use.";
    case 'volume_limits':
      return 'Nodes have reached their maximum volume count.';
    case 'ports':
      return 'No node has the requested host ports free.';
    case 'too_many_pods':
      return 'Nodes have reached their maximum pod count.';
    case 'gang_or_queue':
      return 'The gang or queue scheduler holds the pods until their whole group fits.';
    case 'autoscaler':
      return 'The cluster autoscaler will not add a node for these pods.';
    default:
      return 'The scheduler gives a reason Pitstop does not classify; its text is below.';
  }
}
