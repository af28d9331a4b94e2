import { parseQuantity, type NodeView } from '../k8s/views.js';
import { plural } from '../slack/messages/common.js';
import { formatQuantity, type Cause, type NeverFits } from './cause.js';

/**
 * The nodes whose state explains a group's cause, as read from the fleet now (not from the scheduler's
 * message, which may be minutes old). `nodes` is empty when the cause is not about particular nodes.
 */
export interface BlockingNodes {
  /** Common state of the nodes: `cordoned`, `tainted`, `not_ready`, `pressure`, `allocatable_missing`, `capacity`, `none`. */
  kind: string;
  /** Plain-words summary such as "24 nodes cordoned", or `null` when the fleet shows nothing specific. */
  summary: string | null;
  /** Sorted node names. */
  nodes: string[];
  /** Counts by taint value, condition or readiness, largest first. */
  breakdown: { label: string; count: number }[];
}

const GPU_COUNT_LABEL = 'nvidia.com/gpu.count';
const NOT_READY_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
const PRESSURE_CONDITIONS = ['DiskPressure', 'MemoryPressure', 'PIDPressure'];

/** `True`, `False` or `Unknown` for the node's Ready condition; `null` when the node showed no conditions. */
export function readyStatus(node: NodeView): string | null {
  return node.conditions?.find((condition) => condition.type === 'Ready')?.status ?? null;
}

export function isCordoned(node: NodeView): boolean {
  return node.unschedulable === true || (node.taints ?? []).some((taint) => taint.key === 'node.kubernetes.io/unschedulable');
}

function nodes(count: number): string {
  return plural(count, 'node');
}

function countBy(labels: string[]): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

/** Node names in natural order, so `gpu-2` comes before `gpu-10`. */
function names(list: NodeView[]): string[] {
  return list.map((node) => node.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Words one breakdown entry as a full phrase about the blocking nodes, such as "1 of them Ready" or
 * "3 of them with taint example.com/nic=upgrading:NoSchedule". `kind` is the {@link BlockingNodes} kind
 * whose builder made the label.
 */
export function describeBreakdownEntry(kind: string, entry: { label: string; count: number }): string {
  const them = `${entry.count.toLocaleString('en-US')} of them`;
  switch (kind) {
    case 'cordoned':
      return entry.label === 'readiness unknown' ? `${them} with readiness unknown` : `${them} ${entry.label}`;
    case 'tainted':
      return `${them} with taint ${entry.label}`;
    case 'not_ready': {
      // Labels are "STATUS: REASON", a bare STATUS, or "unreachable" for nodes tainted without a condition.
      if (entry.label === 'unreachable') return `${them} unreachable`;
      const [status, reason] = entry.label.split(': ', 2);
      return `${them} Ready=${status}${reason ? ` (${reason})` : ''}`;
    }
    case 'pressure':
      return `${them} with ${entry.label}`;
    default:
      return `${them}: ${entry.label}`;
  }
}

function readinessLabel(node: NodeView): string {
  const status = readyStatus(node);
  if (status === 'True') return 'Ready';
  if (status === null) return 'readiness unknown';
  return 'NotReady';
}

function cordonedNodes(fleet: NodeView[]): BlockingNodes {
  const cordoned = fleet.filter(isCordoned);
  if (cordoned.length === 0) return { kind: 'cordoned', summary: 'no node is cordoned now', nodes: [], breakdown: [] };
  return { kind: 'cordoned', summary: `${nodes(cordoned.length)} cordoned`, nodes: names(cordoned), breakdown: countBy(cordoned.map(readinessLabel)) };
}

function taintedNodes(fleet: NodeView[], taintKey: string | undefined): BlockingNodes {
  const matches = (key: string): boolean =>
    taintKey !== undefined ? key === taintKey : !key.startsWith('node-role.kubernetes.io/');
  const tainted = fleet.filter((node) => (node.taints ?? []).some((taint) => matches(taint.key) && taint.effect !== 'PreferNoSchedule'));
  const labels = tainted.flatMap((node) =>
    (node.taints ?? [])
      .filter((taint) => matches(taint.key) && taint.effect !== 'PreferNoSchedule')
      .map((taint) => `${taint.key}${taint.value === '' ? '' : `=${taint.value}`}:${taint.effect}`),
  );
  const what = taintKey === undefined ? 'untolerated taints' : `taint ${taintKey}`;
  if (tainted.length === 0) return { kind: 'tainted', summary: `no node carries ${what} now`, nodes: [], breakdown: [] };
  const verb = tainted.length === 1 ? 'carries' : 'carry';
  return { kind: 'tainted', summary: `${nodes(tainted.length)} ${verb} ${what}`, nodes: names(tainted), breakdown: countBy(labels) };
}

function notReadyNodes(fleet: NodeView[]): BlockingNodes {
  const notReady = fleet.filter((node) => {
    const status = readyStatus(node);
    return (status !== null && status !== 'True') || (node.taints ?? []).some((taint) => NOT_READY_TAINTS.has(taint.key));
  });
  if (notReady.length === 0) return { kind: 'not_ready', summary: 'every node is Ready now', nodes: [], breakdown: [] };
  const reasons = notReady.map((node) => {
    const ready = node.conditions?.find((condition) => condition.type === 'Ready');
    return ready?.reason ? `${ready.status}: ${ready.reason}` : (ready?.status ?? 'unreachable');
  });
  return { kind: 'not_ready', summary: `${nodes(notReady.length)} NotReady`, nodes: names(notReady), breakdown: countBy(reasons) };
}

function pressureNodes(fleet: NodeView[]): BlockingNodes {
  const labels: string[] = [];
  const pressured = fleet.filter((node) => {
    const types = (node.conditions ?? [])
      .filter((condition) => PRESSURE_CONDITIONS.includes(condition.type) && condition.status === 'True')
      .map((condition) => condition.type);
    labels.push(...types);
    return types.length > 0;
  });
  if (pressured.length === 0) return { kind: 'pressure', summary: 'no node reports pressure now', nodes: [], breakdown: [] };
  return { kind: 'pressure', summary: `${nodes(pressured.length)} under pressure`, nodes: names(pressured), breakdown: countBy(labels) };
}

/** The amount of a resource the node should offer: its capacity, or for GPUs the GPU feature discovery count. */
function expectedAmount(node: NodeView, resource: string): number {
  const capacity = parseQuantity(node.capacity?.[resource]);
  if (Number.isFinite(capacity) && capacity > 0) return capacity;
  if (resource === 'nvidia.com/gpu') {
    const labelled = Number(node.labels[GPU_COUNT_LABEL]);
    if (Number.isFinite(labelled) && labelled > 0) return labelled;
  }
  return 0;
}

/**
 * Tells whether a node's allocatable below its capacity means a device is missing. The kubelet reserves
 * part of cpu, memory, ephemeral-storage and hugepages for the system, so for those a shortfall is normal;
 * an extended resource such as `nvidia.com/gpu` is advertised whole by its device plugin.
 */
function isDeviceResource(resource: string): boolean {
  return resource.includes('/');
}

function allocatableShortNodes(fleet: NodeView[], resource: string): BlockingNodes {
  const usable = fleet.filter((node) => readyStatus(node) === 'True' && !isCordoned(node));
  const short: NodeView[] = [];
  let zero = 0;
  for (const node of usable) {
    if (!isDeviceResource(resource)) break;
    const expected = expectedAmount(node, resource);
    const allocatable = parseQuantity(node.allocatable?.[resource] ?? '0');
    if (expected > 0 && allocatable < expected) {
      short.push(node);
      if (allocatable === 0) zero += 1;
    }
  }
  if (short.length === 0) {
    const offering = usable.filter((node) => expectedAmount(node, resource) > 0).length;
    const summary =
      offering === 0
        ? `no Ready, schedulable node offers ${resource}`
        : `all ${nodes(offering)} offering ${resource} report their full allocatable, so it is in use`;
    return { kind: 'capacity', summary, nodes: [], breakdown: [] };
  }
  const summary =
    zero === short.length
      ? `${nodes(short.length)} Ready with 0 allocatable ${resource}`
      : zero === 0
        ? `${nodes(short.length)} Ready with less allocatable ${resource} than capacity`
        : `${nodes(short.length)} Ready with less allocatable ${resource} than capacity (${zero} at 0)`;
  return { kind: 'allocatable_missing', summary, nodes: names(short), breakdown: [] };
}

function neverFitsNodes(fleet: NodeView[], neverFits: NeverFits): BlockingNodes {
  const largest = fleet.filter((node) => parseQuantity((node.capacity ?? node.allocatable ?? {})[neverFits.resource]) === neverFits.largest);
  const amount = formatQuantity(neverFits.resource, neverFits.largest);
  return {
    kind: 'capacity',
    summary: `the largest nodes have ${amount} ${neverFits.resource} (${nodes(largest.length)})`,
    nodes: [],
    breakdown: [],
  };
}

/** Finds the nodes that block a group with this cause in the given fleet. */
export function findBlockingNodes(fleet: NodeView[], cause: Cause, neverFits?: NeverFits): BlockingNodes {
  switch (cause.category) {
    case 'unschedulable':
      return cordonedNodes(fleet);
    case 'untolerated_taint':
      return taintedNodes(fleet, cause.taintKey);
    case 'node_not_ready':
      return notReadyNodes(fleet);
    case 'node_pressure':
      return pressureNodes(fleet);
    case 'insufficient_resource':
      return cause.resource ? allocatableShortNodes(fleet, cause.resource) : { kind: 'none', summary: null, nodes: [], breakdown: [] };
    case 'never_fits':
      return neverFits ? neverFitsNodes(fleet, neverFits) : { kind: 'capacity', summary: null, nodes: [], breakdown: [] };
    default:
      return { kind: 'none', summary: null, nodes: [], breakdown: [] };
  }
}
