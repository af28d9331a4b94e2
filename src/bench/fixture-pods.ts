/**
 * Synthetic pending pods for the benchmarks: workloads of several teams whose PodScheduled condition carries the
 * message kube-scheduler 1.26 and later prints for the fleet the pods wait on.
 */
import { BENCH_NOW, GPU_HEALTH_TAINT, GPU_PRODUCT, type KubeObject, type NodeState } from './fixture-nodes.js';

/** Reason a synthetic workload is pending. */
export type PendingKind = 'gpu' | 'cpu' | 'node-affinity' | 'topology-spread' | 'volume' | 'never-fits';

/** Teams and their namespaces; the `sandbox-*` namespaces belong to no team. */
export const BENCH_TEAMS = [
  { name: 'ml-training', userGroup: 'S0MLTRAIN', escalateTo: 'S0MLLEADS', namespaces: ['ml-train', 'ml-pretrain', 'ml-eval'] },
  { name: 'research', userGroup: 'S0RESEARCH', namespaces: ['research-vision', 'research-speech', 'research-rl', 'research-llm'] },
  { name: 'inference', userGroup: 'S0INFER', escalateTo: 'S0INFERLEADS', namespaces: ['inference-prod', 'inference-canary'] },
  { name: 'platform', userGroup: 'S0PLATFORM', namespaces: ['platform-ci', 'platform-batch'] },
] as const;

export const SANDBOX_NAMESPACES = Array.from({ length: 20 }, (_, index) => `sandbox-${String(index + 1).padStart(2, '0')}`);

export const BENCH_NAMESPACES = [...BENCH_TEAMS.flatMap((team) => team.namespaces), ...SANDBOX_NAMESPACES];

/** Share of workloads of each kind, in twentieths. */
const KIND_PATTERN: PendingKind[] = [
  ...Array<PendingKind>(10).fill('gpu'),
  ...Array<PendingKind>(4).fill('cpu'),
  ...Array<PendingKind>(2).fill('node-affinity'),
  ...Array<PendingKind>(2).fill('topology-spread'),
  'volume',
  'never-fits',
];
/** Pods per workload, cycled; a fleet mixes large training jobs with small services. */
const WORKLOAD_SIZES = [64, 32, 16, 16, 8, 8, 8, 4, 4, 2, 1];
const MODELS = ['llama-70b', 'mixtral-8x22b', 'whisper-large-v3', 'vit-huge-14', 'sdxl-refiner', 'gpt-neox-20b', 'qwen2-72b'];
const TASKS = ['pretrain', 'sft', 'eval', 'dpo', 'serve', 'sweep', 'distill'];

export interface PendingWorkload {
  namespace: string;
  /** Owner kind as the pods' controller reference names it. */
  ownerKind: string;
  name: string;
  kind: PendingKind;
  pods: number;
  /** Index of the workload's first pod in the fleet, which keeps pod names and uids unique. */
  firstPod: number;
}

/** How many nodes of the fleet are in each state; the scheduler's message is built from these counts. */
export type NodeStateCounts = Record<NodeState, number>;

export function countNodeStates(states: readonly NodeState[]): NodeStateCounts {
  const counts: NodeStateCounts = {
    healthy: 0,
    cordoned: 0,
    'gpu-health-taint': 0,
    'not-ready': 0,
    'gpu-short': 0,
    'xid-error': 0,
    'rdma-missing': 0,
    'operand-paused': 0,
  };
  for (const state of states) counts[state] += 1;
  return counts;
}

const OWNER_KINDS: Record<PendingKind, string> = {
  gpu: 'Job',
  cpu: 'Job',
  'node-affinity': 'ReplicaSet',
  'topology-spread': 'ReplicaSet',
  volume: 'StatefulSet',
  'never-fits': '',
};

/** Splits `podCount` pending pods into workloads spread over every namespace. */
export function planWorkloads(podCount: number): PendingWorkload[] {
  const workloads: PendingWorkload[] = [];
  let assigned = 0;
  for (let index = 0; assigned < podCount; index += 1) {
    const kind = KIND_PATTERN[(index * 7) % KIND_PATTERN.length]!;
    const pods = Math.min(WORKLOAD_SIZES[index % WORKLOAD_SIZES.length]!, podCount - assigned);
    const base = `${MODELS[index % MODELS.length]}-${TASKS[Math.floor(index / MODELS.length) % TASKS.length]}-${String(index).padStart(4, '0')}`;
    // A ReplicaSet name carries its pod-template hash, which the pod view strips to name the Deployment.
    const name = OWNER_KINDS[kind] === 'ReplicaSet' ? `${base}-7d9f8c6b5` : base;
    workloads.push({ namespace: BENCH_NAMESPACES[index % BENCH_NAMESPACES.length]!, ownerKind: OWNER_KINDS[kind], name, kind, pods, firstPod: assigned });
    assigned += pods;
  }
  return workloads;
}

function reasonList(total: number, entries: [number, string][]): string {
  // kube-scheduler prints "N reason" strings sorted as strings.
  const reasons = entries.filter(([count]) => count > 0).map(([count, text]) => `${count} ${text}`).sort();
  return `0/${total} nodes are available: ${reasons.join(', ')}.`;
}

/** Returns the message kube-scheduler prints for a pod of this kind on a fleet with these node states. */
export function schedulerMessage(kind: PendingKind, counts: NodeStateCounts): string {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const blocked = counts.cordoned + counts['gpu-health-taint'] + counts['not-ready'];
  const open = total - blocked;
  const nodeFilters: [number, string][] = [
    [counts.cordoned, 'node(s) were unschedulable'],
    [counts['gpu-health-taint'], `node(s) had untolerated taint {${GPU_HEALTH_TAINT.key}: ${GPU_HEALTH_TAINT.value}}`],
    [counts['not-ready'], 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }'],
  ];
  const notHelpful = `preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
  switch (kind) {
    case 'gpu':
    case 'never-fits':
      return `${reasonList(total, [...nodeFilters, [open, 'Insufficient nvidia.com/gpu']])} preemption: 0/${total} nodes are available: ${blocked} Preemption is not helpful for scheduling, ${open} No preemption victims found for incoming pod.`;
    case 'cpu':
      return `${reasonList(total, [...nodeFilters, [open, 'Insufficient cpu'], [Math.floor(open / 3), 'Insufficient memory']])} preemption: 0/${total} nodes are available: ${blocked} Preemption is not helpful for scheduling, ${open} No preemption victims found for incoming pod.`;
    case 'node-affinity':
      return `${reasonList(total, [...nodeFilters, [open, "node(s) didn't match Pod's node affinity/selector"]])} ${notHelpful}`;
    case 'topology-spread':
      return `${reasonList(total, [...nodeFilters, [open, "node(s) didn't match pod topology spread constraints"]])} ${notHelpful}`;
    case 'volume':
      return `0/${total} nodes are available: pod has unbound immediate PersistentVolumeClaims. ${notHelpful}`;
  }
}

function requestsFor(kind: PendingKind): Record<string, string> {
  switch (kind) {
    case 'gpu':
      return { cpu: '96', memory: '1000Gi', 'nvidia.com/gpu': '8' };
    case 'never-fits':
      return { cpu: '96', memory: '1000Gi', 'nvidia.com/gpu': '16' };
    case 'cpu':
      return { cpu: '64', memory: '512Gi' };
    case 'node-affinity':
      return { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '8' };
    case 'topology-spread':
      return { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '1' };
    case 'volume':
      return { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': '4' };
  }
}

/**
 * Builds the `offset`-th pod of a workload as the API server serves a pending pod: no node, PodScheduled False with
 * reason Unschedulable since between one and two hours before {@link BENCH_NOW}.
 */
export function pendingPodObject(workload: PendingWorkload, offset: number, message: string): KubeObject {
  const podIndex = workload.firstPod + offset;
  const since = new Date(BENCH_NOW.getTime() - (60 + (podIndex % 60)) * 60_000).toISOString().replace('.000Z', 'Z');
  const name = `${workload.name}-${offset.toString(36).padStart(5, '0')}`;
  const owner = workload.ownerKind === '' ? [] : [{ apiVersion: 'batch/v1', kind: workload.ownerKind, name: workload.name, uid: `owner-${workload.firstPod}`, controller: true }];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: workload.namespace,
      uid: `pod-${String(podIndex).padStart(8, '0')}`,
      resourceVersion: String(100_000 + podIndex),
      creationTimestamp: since,
      labels: { app: workload.name },
      ownerReferences: owner,
    },
    spec: {
      schedulerName: 'default-scheduler',
      priorityClassName: workload.kind === 'gpu' ? 'training' : 'default',
      ...(workload.kind === 'node-affinity' ? { nodeSelector: { 'nvidia.com/gpu.product': `${GPU_PRODUCT.replace('H100', 'H200')}` } } : {}),
      containers: [{ name: 'main', image: `registry.local/${workload.name}:latest`, resources: { requests: requestsFor(workload.kind) } }],
    },
    status: {
      phase: 'Pending',
      qosClass: 'Burstable',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: since }],
    },
  };
}

/** Builds every pod of the workloads, each with the message its kind gets on a fleet with `counts`. */
export function pendingPodObjects(workloads: readonly PendingWorkload[], counts: NodeStateCounts): KubeObject[] {
  const messages = new Map<PendingKind, string>();
  const pods: KubeObject[] = [];
  for (const workload of workloads) {
    let message = messages.get(workload.kind);
    if (message === undefined) {
      message = schedulerMessage(workload.kind, counts);
      messages.set(workload.kind, message);
    }
    for (let offset = 0; offset < workload.pods; offset += 1) pods.push(pendingPodObject(workload, offset, message));
  }
  return pods;
}
