import { createHash } from 'node:crypto';

/** A node taint as `spec.taints` lists it. */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** A simulated node: the fields the scenario changes over time, turned into a Node object by `nodeObject`. */
export interface SimNode {
  cluster: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  unschedulable: boolean;
  taints: Taint[];
  ready: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string; since: Date };
  heartbeat: Date;
  bootId: string;
  providerId: string;
  created: Date;
  address: string;
  nodeInfo: Record<string, string>;
}

export type ValidatorState = 'passing' | 'node-down' | { failing: 'driver-validation' | 'cuda-validation' | 'plugin-validation' };

/** A simulated pod; `nodeName` unset means pending. */
export interface SimPod {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  /** Replica slot within the workload, kept when a controller recreates the pod. */
  index?: number;
  labels: Record<string, string>;
  owner: { apiVersion: string; kind: string; name: string; uid: string };
  created: Date;
  image: string;
  requests: Record<string, string>;
  priorityClassName: string;
  priority: number;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  nodeName?: string;
  startTime?: Date;
  /** PodScheduled=False since this time, with this scheduler message. */
  unschedulable?: { since: Date; message: string };
  /** Set for GPU operator validator pods. */
  validator?: ValidatorState;
}

/** Derives a stable UUID from a seed, so regenerating the scenario yields the same files. */
export function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Derives a pod-name suffix from a seed, in the alphabet Kubernetes uses for generated names. */
export function nameSuffix(seed: string, length = 5): string {
  const bytes = createHash('sha256').update(seed).digest();
  let out = '';
  for (let index = 0; index < length; index += 1) out += SUFFIX_ALPHABET[bytes[index]! % SUFFIX_ALPHABET.length];
  return out;
}

export function iso(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function addMinutes(time: Date, minutes: number): Date {
  return new Date(time.getTime() + minutes * 60_000);
}

/** The GPU operator's tolerations and the defaults the API server adds to every pod. */
export const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

export const GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((toleration) => {
    if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
    if (toleration.key === undefined) return toleration.operator === 'Exists';
    if (toleration.key !== taint.key) return false;
    if (toleration.operator === 'Exists') return true;
    return (toleration.value ?? '') === (taint.value ?? '');
  });
}
