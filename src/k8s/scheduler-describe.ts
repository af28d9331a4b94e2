import type { PreemptionReading, SchedulingReading, SchedulingReason } from './scheduler-message.js';

/** The noun a reason's count counts, with the verb forms that agree with it. */
interface Subject {
  text: string;
  one: boolean;
}

function subject(count: number | null, noun: [string, string]): Subject | null {
  if (count === null) return null;
  return { text: `${count} ${count === 1 ? noun[0] : noun[1]}`, one: count === 1 };
}

function verb(subject: Subject | null, one: string, many: string): string {
  return subject === null || subject.one ? one : many;
}

function formatTaint(taint: NonNullable<SchedulingReason['taint']>): string {
  const base = taint.value === '' ? taint.key : `${taint.key}=${taint.value}`;
  return taint.effect ? `${base}:${taint.effect}` : base;
}

function pressureKind(reason: SchedulingReason): string {
  const source = `${reason.taint?.key ?? ''} ${reason.text}`.toLowerCase();
  if (source.includes('disk')) return 'disk';
  if (source.includes('memory')) return 'memory';
  if (source.includes('pid')) return 'PID';
  return 'resource';
}

/** Names what an uncounted reason is about: a Kueue flavor, a Karpenter NodePool, else "the node". */
function uncountedSubject(reason: SchedulingReason, noun: [string, string]): string {
  if (reason.flavor) return `flavor ${reason.flavor}`;
  if (reason.nodePool) return `NodePool ${reason.nodePool}`;
  return `the ${noun[0]}`;
}

/** Describes one reason in plain words; `who` is "N nodes" (or node groups), or a default where uncounted. */
function describeReason(reason: SchedulingReason, noun: [string, string], component: string): string {
  const counted = subject(reason.nodes, noun);
  const who = counted?.text ?? uncountedSubject(reason, noun);
  const be = verb(counted, 'is', 'are');
  const have = verb(counted, 'has', 'have');
  const does = verb(counted, 'does', 'do');
  switch (reason.category) {
    case 'insufficient_resource':
      if (reason.resource) return `${who} ${verb(counted, 'lacks', 'lack')} ${reason.resource}`;
      if (/claims?/i.test(reason.text)) return `${who} cannot allocate the pod's resource claims (${reason.text})`;
      return `${who} cannot fit the pod's resource requests (${reason.text})`;
    case 'unschedulable':
      return `${who} ${be} cordoned`;
    case 'untolerated_taint':
      return reason.taint
        ? `${who} ${have} taint ${formatTaint(reason.taint)} that the pod does not tolerate`
        : `${who} ${have} taints that the pod does not tolerate`;
    case 'node_not_ready':
      return reason.taint?.key === 'node.kubernetes.io/unreachable' ? `${who} ${be} unreachable` : `${who} ${be} not ready`;
    case 'node_pressure':
      return `${who} ${be} under ${pressureKind(reason)} pressure`;
    case 'node_affinity':
      return `${who} ${does} not match the pod's node selector or node affinity`;
    case 'pod_affinity':
      return `${who} ${does} not satisfy the pod's inter-pod affinity rules`;
    case 'pod_anti_affinity':
      return `${who} would break pod anti-affinity rules`;
    case 'topology_spread':
      return `${who} would break the pod's topology spread constraints`;
    case 'volume_binding':
      return counted ? `${who} cannot bind the pod's volumes: ${reason.text}` : `the pod's volumes cannot be bound: ${reason.text}`;
    case 'volume_node_affinity':
      return `${who} ${be} outside the node affinity of the pod's volumes`;
    case 'volume_limits':
      return `${who} ${have} reached the maximum volume count`;
    case 'ports':
      return `${who} ${have} no free host port that the pod requests`;
    case 'too_many_pods':
      return `${who} ${have} reached the maximum pod count`;
    case 'quota':
      return counted ? `${who}: ${reason.text} (quota)` : `quota blocks the pod${reason.resource ? ` on ${reason.resource}` : ''}: ${reason.text}`;
    case 'gang_or_queue':
      return counted ? `${who}: ${reason.text}` : `the pod waits for its gang or queue: ${reason.text}`;
    case 'autoscaler':
      return counted || reason.nodePool ? `${who}: ${reason.text}` : `${component}: ${reason.text}`;
    case 'other':
      return counted ? `${who}: ${reason.text}` : reason.text;
  }
}

function describePreemption(preemption: PreemptionReading, noun: [string, string], component: string): string[] {
  if (!preemption.eligible) return [`preemption is not possible: ${preemption.text}`];
  const lines: string[] = [];
  if (preemption.notHelpfulNodes > 0) {
    lines.push(`preemption would not help on ${subject(preemption.notHelpfulNodes, noun)!.text}`);
  }
  if (preemption.noVictimsNodes > 0) {
    const who = subject(preemption.noVictimsNodes, noun)!;
    lines.push(`${who.text} ${verb(who, 'has', 'have')} no pods that preemption could evict`);
  }
  for (const reason of preemption.reasons) lines.push(`even with preemption, ${describeReason(reason, noun, component)}`);
  return lines;
}

function headline(reading: SchedulingReading): string | null {
  const total = reading.totalNodes;
  if (total === 0) return 'the scheduler had no nodes to consider';
  if (total === 1) return 'the only node cannot run the pod';
  if (total !== null) return `none of the ${total} nodes can run the pod`;
  switch (reading.form) {
    case 'autoscaler':
    case 'autoscaler-simulation':
      return reading.component === 'karpenter'
        ? 'Karpenter will not launch a node for the pod'
        : 'cluster-autoscaler will not add a node for the pod';
    case 'scale-up':
      return reading.component === 'karpenter'
        ? `Karpenter is launching a node for the pod (${reading.notes[0] ?? ''})`
        : `cluster-autoscaler is adding nodes for the pod (${reading.notes[0] ?? ''})`;
    case 'kueue':
      return 'Kueue has not admitted the workload';
    case 'gang':
      return 'Volcano cannot place the pod group';
    case 'resource-quota':
      return 'the API server rejected the pod at admission';
    default:
      return null;
  }
}

/** Notes where counts overlap (a node fails several checks) or fall short of the total (nodes rejected without a reason). */
function countNotes(reading: SchedulingReading, noun: [string, string]): string[] {
  if (reading.totalNodes === null || reading.reasons.length === 0) return [];
  if (reading.reasons.some((reason) => reason.nodes === null)) return [];
  const sum = reading.reasons.reduce((total, reason) => total + (reason.nodes ?? 0), 0);
  if (sum > reading.totalNodes) return [`the counts add up to ${sum}, more than ${reading.totalNodes}, because a node can fail several checks`];
  if (sum < reading.totalNodes) {
    const who = subject(reading.totalNodes - sum, noun)!;
    return [`${who.text} rejected the pod without a listed reason`];
  }
  return [];
}

/**
 * Describes a reading in plain words, one line per fact: first what failed overall, then each reason
 * ("24 nodes are cordoned", "8 nodes lack nvidia.com/gpu"), then preemption and caveats.
 */
export function describeReading(reading: SchedulingReading): string[] {
  const noun: [string, string] = reading.component === 'cluster-autoscaler' ? ['node group', 'node groups'] : ['node', 'nodes'];
  const lines: string[] = [];
  const head = headline(reading);
  if (head) lines.push(head);
  for (const reason of reading.reasons) lines.push(describeReason(reason, noun, reading.component));
  lines.push(...countNotes(reading, noun));
  if (reading.preemption) lines.push(...describePreemption(reading.preemption, noun, reading.component));
  if (reading.truncated) lines.push("the message was cut short; the pod's PodScheduled condition holds the full text");
  return lines;
}
