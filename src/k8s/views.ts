import type { V1Node, V1Pod } from '@kubernetes/client-node';

/**
 * The parts of a Node that Pitstop reads. Watchers keep only these in memory, and `pitstop validate`
 * builds them from pasted objects, so every consumer reads one shape.
 */
export interface NodeView {
  cluster: string;
  name: string;
  uid: string | null;
  resourceVersion: string | null;
  creationTimestamp: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** `spec.unschedulable`; `null` when the object did not show the spec. */
  unschedulable: boolean | null;
  /** Whether the object printed `spec.unschedulable` itself; the API server omits it when false. */
  unschedulableShown?: boolean;
  /** `null` when the object did not show `spec.taints` at all; `[]` when it showed none. */
  taints: NodeTaint[] | null;
  /** `null` when the object did not show `status.conditions`. */
  conditions: NodeConditionView[] | null;
  /** `null` when the object did not show `status.allocatable`. */
  allocatable: Record<string, string> | null;
  capacity: Record<string, string> | null;
  bootId: string | null;
  providerId: string | null;
}

export interface NodeTaint {
  key: string;
  value: string;
  effect: string;
  timeAdded: string | null;
}

export interface NodeConditionView {
  type: string;
  status: string;
  reason: string | null;
  message: string | null;
  lastHeartbeatTime: string | null;
  lastTransitionTime: string | null;
}

/** The parts of a Pod that Pitstop reads. */
export interface PodView {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string | null;
  creationTimestamp: string | null;
  labels: Record<string, string>;
  nodeName: string | null;
  phase: string | null;
  /** Top-level owner: a Deployment for a ReplicaSet-owned pod, else the controller owner reference. */
  owner: { kind: string; name: string } | null;
  /** Resource requests summed over containers, taking the larger of that sum and any init container. */
  requests: Record<string, string>;
  schedulerName: string | null;
  priorityClassName: string | null;
  /** PodScheduled condition, when present. */
  scheduled: { status: string; reason: string | null; message: string | null; lastTransitionTime: string | null } | null;
  /** Ready condition status, when present. */
  ready: string | null;
  containerStatuses: { name: string; ready: boolean; state: string; reason: string | null; exitCode: number | null }[];
  initContainerStatuses: { name: string; ready: boolean; state: string; reason: string | null; exitCode: number | null }[];
}

function toIso(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Returns the entries of a list field that are objects. Pasted and hand-edited objects carry `null` entries, or a
 * map where a list belongs, which the API server never sends.
 */
function objectList<T>(value: T[] | null | undefined): T[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry) => entry !== null && typeof entry === 'object');
}

/** Returns an object field, or `undefined` for `null` and for values that are not objects. */
function objectField<T>(value: T | null | undefined): T | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** Returns a condition status as the API prints it, because hand-written YAML reads `status: True` as a boolean. */
function conditionStatus(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return value === undefined || value === null ? '' : String(value);
}

function optionalText(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) out[key] = String(entry);
  return out;
}

/** Builds a {@link NodeView} from a Node as the client library decodes it or as `kubectl get -o json` prints it. */
export function toNodeView(node: V1Node | Record<string, unknown>, cluster = ''): NodeView {
  const object = node as V1Node;
  const metadata = objectField(object.metadata) ?? {};
  const spec = objectField(object.spec);
  const status = objectField(object.status);
  const rawTaints = spec?.taints as unknown;
  const rawConditions = status?.conditions as unknown;
  return {
    cluster,
    name: metadata.name ?? '',
    uid: metadata.uid ?? null,
    resourceVersion: metadata.resourceVersion ?? null,
    creationTimestamp: toIso(metadata.creationTimestamp),
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    unschedulable: spec === undefined ? null : spec.unschedulable === true || (spec.unschedulable as unknown) === 'true',
    unschedulableShown: spec !== undefined && spec.unschedulable !== undefined && spec.unschedulable !== null,
    taints:
      spec === undefined
        ? null
        : rawTaints === undefined || rawTaints === null
          ? spec.unschedulable === undefined && Object.keys(spec).length === 0
            ? null
            : []
          : objectList(spec.taints).map((taint) => ({
              key: String(taint.key ?? ''),
              value: taint.value === undefined || taint.value === null ? '' : String(taint.value),
              effect: String(taint.effect ?? ''),
              timeAdded: toIso(taint.timeAdded),
            })),
    conditions:
      rawConditions === undefined || rawConditions === null
        ? null
        : objectList(status?.conditions).map((condition) => ({
            type: String(condition.type ?? ''),
            status: conditionStatus(condition.status),
            reason: optionalText(condition.reason),
            message: optionalText(condition.message),
            lastHeartbeatTime: toIso(condition.lastHeartbeatTime),
            lastTransitionTime: toIso(condition.lastTransitionTime),
          })),
    allocatable: objectField(status?.allocatable) === undefined ? null : stringMap(status?.allocatable),
    capacity: objectField(status?.capacity) === undefined ? null : stringMap(status?.capacity),
    bootId: optionalText(objectField(status?.nodeInfo)?.bootID),
    providerId: optionalText(spec?.providerID),
  };
}

type ContainerStatusLike = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];

function containerStatus(status: ContainerStatusLike): PodView['containerStatuses'][number] {
  const state = objectField(status.state) ?? {};
  const stateName = state.running ? 'running' : state.terminated ? 'terminated' : state.waiting ? 'waiting' : 'unknown';
  return {
    name: status.name,
    ready: status.ready,
    state: stateName,
    reason: state.terminated?.reason ?? state.waiting?.reason ?? null,
    exitCode: state.terminated?.exitCode ?? null,
  };
}

/** Builds a {@link PodView} from a Pod as the client library decodes it or as `kubectl get -o json` prints it. */
export function toPodView(pod: V1Pod | Record<string, unknown>, cluster = ''): PodView {
  const object = pod as V1Pod;
  const metadata = objectField(object.metadata) ?? {};
  const spec = objectField(object.spec);
  const status = objectField(object.status);
  const conditions = objectList(status?.conditions);
  const scheduled = conditions.find((condition) => condition.type === 'PodScheduled');
  const ready = conditions.find((condition) => condition.type === 'Ready');
  return {
    cluster,
    namespace: metadata.namespace ?? 'default',
    name: metadata.name ?? '',
    uid: metadata.uid ?? `${metadata.namespace ?? 'default'}/${metadata.name ?? ''}`,
    resourceVersion: metadata.resourceVersion ?? null,
    creationTimestamp: toIso(metadata.creationTimestamp),
    labels: stringMap(metadata.labels),
    nodeName: spec?.nodeName ?? null,
    phase: status?.phase ?? null,
    owner: topOwner(objectList(metadata.ownerReferences)),
    requests: podRequests(spec),
    schedulerName: spec?.schedulerName ?? null,
    priorityClassName: spec?.priorityClassName ?? null,
    scheduled: scheduled
      ? {
          status: conditionStatus(scheduled.status),
          reason: optionalText(scheduled.reason),
          message: optionalText(scheduled.message),
          lastTransitionTime: toIso(scheduled.lastTransitionTime),
        }
      : null,
    ready: ready ? conditionStatus(ready.status) : null,
    containerStatuses: objectList(status?.containerStatuses).map(containerStatus),
    initContainerStatuses: objectList(status?.initContainerStatuses).map(containerStatus),
  };
}

function topOwner(references: NonNullable<V1Pod['metadata']>['ownerReferences']): PodView['owner'] {
  if (!references || references.length === 0) return null;
  const owner = references.find((reference) => reference.controller) ?? references[0]!;
  // A ReplicaSet named <deployment>-<pod-template-hash> belongs to a Deployment.
  if (owner.kind === 'ReplicaSet') {
    const match = /^(.*)-[a-z0-9]{5,10}$/.exec(owner.name);
    if (match) return { kind: 'Deployment', name: match[1]! };
  }
  return { kind: owner.kind, name: owner.name };
}

/** Parses a Kubernetes quantity (`500m`, `16Gi`, `8`) into a number in base units. */
export function parseQuantity(quantity: string | number | undefined | null): number {
  if (quantity === undefined || quantity === null) return 0;
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(quantity.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  const factors: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return value * (factors[suffix] ?? 1);
}

function podRequests(spec: V1Pod['spec']): Record<string, string> {
  if (!spec) return {};
  const sum = new Map<string, number>();
  for (const container of objectList(spec.containers)) {
    const resources = objectField(container.resources);
    const requests = { ...objectField(resources?.limits), ...objectField(resources?.requests) };
    for (const [name, value] of Object.entries(requests)) {
      sum.set(name, (sum.get(name) ?? 0) + parseQuantity(String(value)));
    }
  }
  for (const container of objectList(spec.initContainers)) {
    const resources = objectField(container.resources);
    const requests = { ...objectField(resources?.limits), ...objectField(resources?.requests) };
    for (const [name, value] of Object.entries(requests)) {
      const parsed = parseQuantity(String(value));
      if (parsed > (sum.get(name) ?? 0)) sum.set(name, parsed);
    }
  }
  const out: Record<string, string> = {};
  for (const [name, value] of sum) out[name] = String(Number(value.toPrecision(12)));
  return out;
}

/** GPUs a pod requests (`nvidia.com/gpu`, or another `*\/gpu` extended resource). */
export function gpuRequest(pod: PodView): number {
  let total = 0;
  for (const [name, value] of Object.entries(pod.requests)) {
    if (name === 'nvidia.com/gpu' || /\/gpu$/.test(name)) total += Number(value);
  }
  return total;
}
