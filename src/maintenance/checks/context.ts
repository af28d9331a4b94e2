import type { NodeConditionView, NodeTaint, NodeView } from '../../k8s/views.js';
import { toMillis } from './format.js';
import { SETTLE_MS, type CheckContext, type ValidationInput } from './types.js';

/** Returns whether the object lacks `metadata.creationTimestamp`, which every Node from the API server has. */
export function isExcerpt(node: NodeView): boolean {
  return node.creationTimestamp === null;
}

/**
 * `spec.unschedulable` where the object proves it. A full object omits the field when false; an excerpt that
 * leaves it out proves nothing, but one that prints it proves its value.
 */
export function knownUnschedulable(node: NodeView): boolean | null {
  if (node.unschedulable === true) return true;
  if (node.unschedulable === null) return null;
  if (isExcerpt(node) && node.unschedulableShown !== true) return null;
  return false;
}

/** Returns the node's taints where the object proves the list. A full object with an empty spec has none. */
export function knownTaints(node: NodeView): NodeTaint[] | null {
  if (node.taints !== null && node.taints.length > 0) return node.taints;
  if (isExcerpt(node)) return null;
  return node.taints ?? (node.unschedulable === null ? null : []);
}

export function findCondition(node: NodeView, type: string): NodeConditionView | null {
  return node.conditions?.find((condition) => condition.type === type) ?? null;
}

/** Latest of a condition's heartbeat and transition times, which is when its reporter last wrote it. */
export function reportedAt(condition: NodeConditionView): number | null {
  const times = [toMillis(condition.lastHeartbeatTime), toMillis(condition.lastTransitionTime)].filter(
    (time): time is number => time !== null,
  );
  return times.length === 0 ? null : Math.max(...times);
}

/** Builds the context every check reads, deriving the boot, freshness and settle times once. */
export function buildContext(node: NodeView, input: ValidationInput): CheckContext {
  const before = input.before ?? null;
  const ready = findCondition(node, 'Ready');
  const readyTrue = ready?.status === 'True';
  const readySince = readyTrue ? toMillis(ready?.lastTransitionTime) : null;
  const rebooted = before?.bootId && node.bootId ? before.bootId !== node.bootId : null;
  const returnedAt = toMillis(input.returnedAt);
  const maintenanceStartedAt = toMillis(input.maintenance?.startedAt);

  // After a reboot the Ready transition is the first report of the new boot. Without a boot id change an old
  // transition does not show when the node came back.
  const cameUpAt = returnedAt ?? (rebooted === true ? readySince : null);
  const upSince = latest(cameUpAt, readySince);
  const now = input.now.getTime();

  return {
    node,
    config: input.config,
    before,
    // Callers pass the node's pods; a pod bound to another node would vouch for the wrong node.
    pods: input.pods?.filter((pod) => pod.nodeName === null || pod.nodeName === node.name) ?? null,
    requiresReboot: input.maintenance?.requiresReboot ?? false,
    maintenanceStartedAt,
    returnedAt,
    now,
    excerpt: isExcerpt(node),
    unschedulable: knownUnschedulable(node),
    taints: knownTaints(node),
    ready,
    readyTrue,
    rebooted,
    cameUpAt,
    reportsAfter: cameUpAt ?? maintenanceStartedAt,
    settling: upSince !== null && now - upSince < SETTLE_MS,
    upSince,
  };
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
