import { tolerates, type SimNode, type SimPod } from './model.js';

/**
 * A small model of kube-scheduler's filters and its FitError message, so the pending pods of a generated
 * scenario carry the message a real scheduler would print for the same nodes.
 *
 * Filters run in the default plugin order (NodeUnschedulable, TaintToleration, NodeAffinity as a node
 * selector, NodeResourcesFit) and a node reports only its first failing plugin, as kube-scheduler does.
 * Placement is first fit in node-name order, not the default scorer's spreading, so only which pods fit is
 * modelled, not where kube-scheduler would put them.
 */

interface NodeResult {
  reasons: string[];
  /** Unresolvable reasons (cordon, taint, selector) make preemption "not helpful" on the node. */
  resolvable: boolean;
}

function parseCount(value: string | undefined): number {
  if (value === undefined) return 0;
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return Number(value);
  const factor = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

/** Returns what is left of each allocatable resource on a node after the pods bound to it. */
export function freeResources(node: SimNode, pods: SimPod[], except?: (pod: SimPod) => boolean): Map<string, number> {
  const free = new Map<string, number>();
  for (const [name, value] of Object.entries(node.allocatable)) free.set(name, parseCount(value));
  for (const pod of pods) {
    if (pod.nodeName !== node.name || pod.cluster !== node.cluster || except?.(pod)) continue;
    for (const [name, value] of Object.entries(pod.requests)) free.set(name, (free.get(name) ?? 0) - parseCount(value));
  }
  return free;
}

function filterNode(pod: SimPod, node: SimNode, pods: SimPod[]): NodeResult {
  if (node.unschedulable && !tolerates(pod.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return { reasons: ['node(s) were unschedulable'], resolvable: false };
  }
  const taint = node.taints.find(
    (candidate) => candidate.effect !== 'PreferNoSchedule' && !tolerates(pod.tolerations, candidate),
  );
  if (taint) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], resolvable: false };
  const selectorMatches = Object.entries(pod.nodeSelector).every(([key, value]) => node.labels[key] === value);
  if (!selectorMatches) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };
  return { reasons: insufficient(pod, freeResources(node, pods)), resolvable: true };
}

function insufficient(pod: SimPod, free: Map<string, number>): string[] {
  return Object.entries(pod.requests)
    .filter(([name, value]) => (free.get(name) ?? 0) < parseCount(value))
    .map(([name]) => `Insufficient ${name}`);
}

/** Returns the first node the pod fits on, or the FitError message kube-scheduler prints when none fits. */
export function schedule(pod: SimPod, nodes: SimNode[], pods: SimPod[]): { node: SimNode } | { message: string } {
  const clusterNodes = nodes.filter((node) => node.cluster === pod.cluster).sort((a, b) => a.name.localeCompare(b.name));
  const filterCounts = new Map<string, number>();
  const preemptionCounts = new Map<string, number>();
  for (const node of clusterNodes) {
    const result = filterNode(pod, node, pods);
    if (result.reasons.length === 0) return { node };
    for (const reason of result.reasons) filterCounts.set(reason, (filterCounts.get(reason) ?? 0) + 1);
    const preemption = preemptionOutcome(pod, node, pods, result);
    preemptionCounts.set(preemption, (preemptionCounts.get(preemption) ?? 0) + 1);
  }
  const total = clusterNodes.length;
  return {
    message:
      `0/${total} nodes are available: ${histogram(filterCounts)}. ` +
      `preemption: 0/${total} nodes are available: ${histogram(preemptionCounts)}.`,
  };
}

/**
 * Returns what DefaultPreemption reports for a node the pod did not fit. The model does not evict victims, so it
 * throws when preemption would succeed: the generated timeline must not depend on a preemption.
 */
function preemptionOutcome(pod: SimPod, node: SimNode, pods: SimPod[], result: NodeResult): string {
  if (!result.resolvable) return 'Preemption is not helpful for scheduling';
  const lower = (candidate: SimPod) => candidate.priority < pod.priority;
  const victims = pods.filter((candidate) => candidate.nodeName === node.name && candidate.cluster === node.cluster && lower(candidate));
  if (victims.length === 0) return 'No preemption victims found for incoming pod';
  const stillShort = insufficient(pod, freeResources(node, pods, lower));
  if (stillShort.length === 0) {
    throw new Error(`${pod.namespace}/${pod.name} would preempt pods on ${node.name}; the model does not simulate preemption`);
  }
  return stillShort[0]!;
}

/** `3 node(s) were unschedulable, 45 Insufficient nvidia.com/gpu`: counts then reasons, sorted as strings like FitError. */
function histogram(counts: Map<string, number>): string {
  return [...counts.entries()]
    .map(([reason, count]) => `${count} ${reason}`)
    .sort()
    .join(', ');
}

/**
 * Binds pending pods that fit, highest priority first and then oldest first, and refreshes the message of
 * those that do not. The message's time stays at the first failure, as the PodScheduled condition's
 * lastTransitionTime does while the status stays False.
 */
export function scheduleAll(nodes: SimNode[], pods: SimPod[], now: Date): void {
  const pending = pods
    .filter((pod) => pod.nodeName === undefined)
    .sort((a, b) => b.priority - a.priority || a.created.getTime() - b.created.getTime() || a.name.localeCompare(b.name));
  for (const pod of pending) {
    const outcome = schedule(pod, nodes, pods);
    if ('node' in outcome) {
      pod.nodeName = outcome.node.name;
      pod.startTime = now;
      delete pod.unschedulable;
    } else {
      pod.unschedulable = { since: pod.unschedulable?.since ?? now, message: outcome.message };
    }
  }
}
