/**
 * Synthetic GPU nodes for the benchmarks, as `kubectl get node -o json` prints them: 8x H100 with RDMA, GPU
 * operator labels and node-problem-detector conditions, in the states a fleet is in after a maintenance.
 */

/** State a synthetic node is in. */
export type NodeState =
  | 'healthy'
  | 'cordoned'
  | 'gpu-health-taint'
  | 'not-ready'
  | 'gpu-short'
  | 'xid-error'
  | 'rdma-missing'
  | 'operand-paused';

export type KubeObject = Record<string, unknown>;

/** Virtual time the benchmarks run at; every object's timestamps are set relative to it. */
export const BENCH_NOW = new Date('2026-03-02T12:00:00Z');

export const GPU_PRODUCT = 'NVIDIA-H100-80GB-HBM3';
export const GPUS_PER_NODE = 8;
export const RDMA_RESOURCE = 'rdma/ib';
export const GPU_HEALTH_TAINT = { key: 'nvidia.com/gpu.health', value: 'degraded' };
const NODES_PER_RACK = 16;

/** Returns a deterministic pseudo-random generator (mulberry32), so every run builds the same fleet. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Lays out `total` node states, `counts` of each named state and `healthy` for the rest, shuffled with a fixed seed
 * so that each state spreads over the racks.
 */
export function planNodeStates(total: number, counts: Partial<Record<NodeState, number>>, seed = 7): NodeState[] {
  const states: NodeState[] = [];
  for (const [state, count] of Object.entries(counts) as [NodeState, number][]) {
    for (let index = 0; index < count; index += 1) states.push(state);
  }
  if (states.length > total) throw new Error(`node plan has ${states.length} non-healthy nodes, more than the ${total} nodes of the fleet`);
  while (states.length < total) states.push('healthy');
  const random = seededRandom(seed);
  for (let index = states.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [states[index], states[other]] = [states[other]!, states[index]!];
  }
  return states;
}

/** Returns the name of the `index`-th node, such as `gpu-h100-0042`. */
export function nodeName(index: number): string {
  return `gpu-h100-${String(index).padStart(4, '0')}`;
}

function minutesBefore(minutes: number): string {
  return new Date(BENCH_NOW.getTime() - minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

function condition(type: string, status: string, reason: string, message: string, transitionMinutes: number): KubeObject {
  return { type, status, reason, message, lastHeartbeatTime: minutesBefore(0.5), lastTransitionTime: minutesBefore(transitionMinutes) };
}

function conditionsFor(state: NodeState): KubeObject[] {
  const ready =
    state === 'not-ready'
      ? condition('Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', 40)
      : condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', 120);
  const xid =
    state === 'xid-error'
      ? condition('GpuXidError', 'True', 'XidCriticalError', 'Xid 79: GPU has fallen off the bus', 30)
      : condition('GpuXidError', 'False', 'NoXidError', 'no critical Xid errors', 110);
  return [
    condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', 120),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', 120),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', 120),
    ready,
    condition('KernelDeadlock', 'False', 'KernelHasNoDeadlock', 'kernel has no deadlock', 110),
    xid,
  ];
}

function taintsFor(state: NodeState): KubeObject[] {
  if (state === 'cordoned') return [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: minutesBefore(200) }];
  if (state === 'gpu-health-taint') return [{ ...GPU_HEALTH_TAINT, effect: 'NoSchedule', timeAdded: minutesBefore(50) }];
  if (state === 'not-ready') {
    return [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: minutesBefore(39) },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: minutesBefore(40) },
    ];
  }
  return [];
}

/** Builds the `index`-th node of a fleet in the given state, as the API server serves it after the maintenance. */
export function gpuNodeObject(index: number, state: NodeState): KubeObject {
  const name = nodeName(index);
  const gpuAllocatable = state === 'gpu-short' ? GPUS_PER_NODE - 1 : GPUS_PER_NODE;
  const rdmaAllocatable = state === 'rdma-missing' ? 0 : 63;
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name,
    'node.kubernetes.io/instance-type': 'gd-8xh100ib-i128',
    'topology.kubernetes.io/zone': `us-east-04${'abc'[index % 3]}`,
    'node.coreweave.cloud/rack': `rack-${String(Math.floor(index / NODES_PER_RACK)).padStart(3, '0')}`,
    'nvidia.com/gpu.present': 'true',
    'nvidia.com/gpu.product': GPU_PRODUCT,
    'nvidia.com/gpu.count': String(GPUS_PER_NODE),
    'nvidia.com/gpu.deploy.operator-validator': 'true',
    'nvidia.com/gpu.deploy.device-plugin': state === 'operand-paused' ? 'paused-for-driver-upgrade' : 'true',
    'nvidia.com/gpu.deploy.driver': 'true',
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      resourceVersion: String(1000 + index),
      creationTimestamp: '2025-11-01T00:00:00Z',
      labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {
      providerID: `coreweave://us-east-04/${name}`,
      ...(state === 'cordoned' ? { unschedulable: true } : {}),
      taints: taintsFor(state),
    },
    status: {
      capacity: { cpu: '128', memory: '2113276288Ki', 'nvidia.com/gpu': String(GPUS_PER_NODE), [RDMA_RESOURCE]: '63', pods: '110' },
      allocatable: {
        cpu: '127500m',
        memory: '2062682496Ki',
        'nvidia.com/gpu': String(gpuAllocatable),
        [RDMA_RESOURCE]: String(rdmaAllocatable),
        pods: '110',
      },
      conditions: conditionsFor(state),
      nodeInfo: { bootID: `boot-${name}-after`, kernelVersion: '6.8.0-1021', kubeletVersion: 'v1.31.4', osImage: 'Ubuntu 22.04.5 LTS' },
    },
  };
}

/** Builds the same node as it was before the maintenance: healthy, with its earlier boot id. */
export function nodeBeforeMaintenance(index: number): KubeObject {
  const object = gpuNodeObject(index, 'healthy');
  const status = object.status as { nodeInfo: Record<string, string> };
  status.nodeInfo.bootID = `boot-${nodeName(index)}-before`;
  return object;
}

/** Builds a GPU operator pod on a node: the validator Running and Ready, as after a good return. */
export function operatorPodObject(index: number, app: string, namespace: string): KubeObject {
  const node = nodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-${String(index).padStart(5, '0')}`,
      namespace,
      uid: `op-${app}-${index}`,
      creationTimestamp: minutesBefore(100),
      labels: { app },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: app, uid: `ds-${app}`, controller: true }],
    },
    spec: { nodeName: node, containers: [{ name: app, image: `nvcr.io/nvidia/${app}:v24.9.0` }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: minutesBefore(95) }],
      containerStatuses: [{ name: app, ready: true, restartCount: 0, image: app, imageID: app, state: { running: { startedAt: minutesBefore(96) } } }],
    },
  };
}
