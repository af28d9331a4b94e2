import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validationSchema, type ValidationConfig } from '../src/config/schema.js';
import { toNodeView, toPodView, type NodeView, type PodView } from '../src/k8s/views.js';
import {
  classifyNodeState,
  readNodeSnapshot,
  readyExceptCordon,
  snapshotNode,
  validateNode,
  type NodeSnapshot,
  type NodeValidation,
  type ValidationInput,
} from '../src/maintenance/validations.js';

// ---------------------------------------------------------------------------------------------------------------
// Nodes pasted from real clusters
// ---------------------------------------------------------------------------------------------------------------

interface NodeCase {
  id: string;
  kind: string;
  object: Record<string, unknown>;
  context?: Record<string, unknown> | null;
  expected: {
    verdict: 'ready_to_return' | 'not_ready' | 'unknown';
    reasons: string[];
    rdma?: Record<string, { allocatable: number | null; expected: number | null }>;
  };
}

const corpus = readFileSync(new URL('./fixtures/nodes.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as NodeCase)
  .filter((entry) => entry.kind === 'Node');

/** GPU operator pods that a context fact such as `validatorReady: false` describes, with their init containers. */
const OPERAND_FACTS: Record<string, { app: string; inits: string[] }> = {
  validatorReady: {
    app: 'nvidia-operator-validator',
    inits: ['driver-validation', 'toolkit-validation', 'cuda-validation', 'plugin-validation'],
  },
  devicePluginReady: { app: 'nvidia-device-plugin-daemonset', inits: ['toolkit-validation'] },
};

/** Context keys that explain a fact rather than state one. */
const NARRATIVE_KEYS = new Set(['why']);

/**
 * Turns a case's outside facts into the inputs an operator's run has. Configured RDMA resources become
 * `validation.rdmaResources`. An RDMA pool size known outside the object (a device-plugin policy) and "this is a GPU
 * node" become the snapshot from before the maintenance. Operand pod states become pods on the node. The run happens
 * when the object was captured, so `now` is the latest time the object shows.
 */
function runInputs(entry: NodeCase): ValidationInput {
  const context = entry.context ?? {};
  const known = Object.entries(entry.expected.rdma ?? {}).filter(([, pool]) => pool.expected !== null);
  const configured = (context.rdmaConfigured as string[] | undefined) ?? [];
  const config = validationSchema.parse({
    rdmaResources: [...new Set([...configured, ...known.map(([resource]) => resource)])],
  });
  const node = toNodeView(entry.object);
  let before: NodeSnapshot | null = null;
  if (context.gpuNode === true || known.length > 0) {
    before = snapshotNode(toNodeView({ metadata: { name: node.name } }), config);
    before.gpuNode = context.gpuNode === true;
    before.rdma = Object.fromEntries(
      known.map(([resource, pool]) => [resource, { allocatable: pool.expected, capacity: pool.expected }]),
    );
  }
  const pods: PodView[] = [];
  for (const [key, value] of Object.entries(context)) {
    if (key === 'rdmaConfigured' || key === 'gpuNode' || NARRATIVE_KEYS.has(key)) continue;
    const fact = OPERAND_FACTS[key];
    if (fact === undefined) throw new Error(`context fact "${key}" has no mapping to a run input`);
    pods.push(operandPod(fact.app, node.name, value === true, config.gpuOperatorNamespace, fact.inits));
  }
  return { config, before, ...(pods.length > 0 ? { pods } : {}), now: latestTime(entry.object) };
}

function latestTime(object: unknown): Date {
  const times = JSON.stringify(object).match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g) ?? [];
  const latest = Math.max(...times.map((time) => Date.parse(time)));
  return new Date(Number.isFinite(latest) ? latest : Date.parse('2026-01-01T00:00:00Z'));
}

describe('validateNode on pasted nodes', () => {
  const cases = corpus.map(
    (entry) => [entry.object.metadata ? (entry.object.metadata as { name: string }).name : entry.id, entry] as const,
  );

  it.each(cases)('%s gets the expected verdict and reasons', (_name, entry) => {
    const result = validateNode(toNodeView(entry.object), runInputs(entry));
    const expectedVerdict = entry.expected.verdict === 'ready_to_return' ? 'ready' : entry.expected.verdict;
    expect(result.verdict, JSON.stringify(result.checks, null, 1)).toBe(expectedVerdict);
    for (const reason of entry.expected.reasons) expect(result.reasons).toContain(reason);
  });

  it('covers every Node entry', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real-shaped nodes for each trap
// ---------------------------------------------------------------------------------------------------------------

const STARTED = '2026-03-02T08:00:00Z';
const RETURNED = '2026-03-02T09:00:00Z';
const LATER = new Date('2026-03-02T10:00:00Z');

const config: ValidationConfig = validationSchema.parse({
  rdmaResources: ['rdma/rdma_shared_device_a'],
  maintenanceTaints: ['pitstop.dev/maintenance'],
});

interface NodeOptions {
  name?: string;
  bootId?: string;
  unschedulable?: boolean;
  taints?: { key: string; value?: string; effect: string }[];
  gpus?: number;
  gpuCapacity?: number;
  rdma?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ready?: { status: string; heartbeat: string; transition: string };
  conditions?: Record<string, unknown>[];
  providerId?: string;
}

/** Builds an 8x H100 node as `kubectl get node -o json` prints it, with node-problem-detector conditions. */
function h100Node(options: NodeOptions = {}): NodeView {
  const gpus = String(options.gpus ?? 8);
  const ready = options.ready ?? { status: 'True', heartbeat: '2026-03-02T09:59:30Z', transition: RETURNED };
  const conditions = [
    kubeletCondition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', ready.heartbeat),
    kubeletCondition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', ready.heartbeat),
    kubeletCondition('PIDPressure', 'False', 'KubeletHasSufficientPID', ready.heartbeat),
    {
      type: 'Ready',
      status: ready.status,
      lastHeartbeatTime: ready.heartbeat,
      lastTransitionTime: ready.transition,
      reason: ready.status === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
      message: ready.status === 'True' ? 'kubelet is posting ready status' : 'Kubelet stopped posting node status.',
    },
    ...(options.conditions ?? [
      npdCondition('KernelDeadlock', 'False', '2026-03-02T09:55:00Z', '2026-03-02T09:02:00Z'),
    ]),
  ];
  return toNodeView({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: options.name ?? 'gpu-a01',
      uid: 'uid-a01',
      resourceVersion: '1234',
      creationTimestamp: '2025-11-01T00:00:00Z',
      labels: {
        'kubernetes.io/hostname': options.name ?? 'gpu-a01',
        'nvidia.com/gpu.present': 'true',
        'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
        'nvidia.com/gpu.count': '8',
        'topology.kubernetes.io/zone': 'us-east-1a',
        'topology.k8s.aws/network-node-layer-1': 'nn-1',
        ...options.labels,
      },
      annotations: options.annotations ?? {},
    },
    spec: {
      providerID: options.providerId ?? 'aws:///us-east-1a/i-0abc',
      ...(options.unschedulable ? { unschedulable: true } : {}),
      ...(options.taints ? { taints: options.taints } : {}),
    },
    status: {
      capacity: {
        cpu: '192',
        memory: '2113276288Ki',
        'nvidia.com/gpu': String(options.gpuCapacity ?? 8),
        'rdma/rdma_shared_device_a': String(options.rdma ?? 63),
        pods: '110',
      },
      allocatable: {
        cpu: '191450m',
        memory: '2062682496Ki',
        'nvidia.com/gpu': gpus,
        'rdma/rdma_shared_device_a': String(options.rdma ?? 63),
        pods: '110',
      },
      conditions,
      nodeInfo: { bootID: options.bootId ?? 'boot-2', kernelVersion: '6.8.0-1021-aws', kubeletVersion: 'v1.31.4' },
    },
  });
}

function kubeletCondition(type: string, status: string, reason: string, heartbeat: string): Record<string, unknown> {
  return {
    type,
    status,
    reason,
    message: reason,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: '2025-11-01T00:00:00Z',
  };
}

function npdCondition(type: string, status: string, heartbeat: string, transition: string): Record<string, unknown> {
  return {
    type,
    status,
    reason: status === 'True' ? type : `No${type}`,
    message: 'reported by node-problem-detector',
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transition,
  };
}

/** Snapshots the same node before the maintenance: the earlier boot, 8 GPUs, 63 RDMA devices. */
function beforeSnapshot(options: NodeOptions = {}): NodeSnapshot {
  return snapshotNode(
    h100Node({
      bootId: 'boot-1',
      ready: { status: 'True', heartbeat: '2026-03-02T07:59:00Z', transition: '2025-12-01T00:00:00Z' },
      ...options,
    }),
    config,
    new Date('2026-03-02T07:59:30Z'),
  );
}

/** Builds a GPU operator pod on the node. A pod that is not ready is stuck in its first init container. */
function operandPod(app: string, nodeName: string, ready: boolean, namespace: string, inits: string[] = []): PodView {
  const initStatuses = inits.map((name, index) => ({
    name,
    ready: ready,
    image: 'nvcr.io/nvidia/cloud-native/gpu-operator-validator:v24.9.0',
    imageID: '',
    restartCount: 0,
    state: ready
      ? { terminated: { exitCode: 0, reason: 'Completed' } }
      : index === 0
        ? { running: { startedAt: '2026-03-02T09:01:00Z' } }
        : { waiting: { reason: 'PodInitializing' } },
  }));
  return toPodView({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-x7k2p`,
      namespace,
      uid: `uid-${app}`,
      labels: { app },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: app, uid: 'ds', controller: true }],
    },
    spec: { nodeName, containers: [{ name: app, image: 'nvcr.io/nvidia/operand' }] },
    status: {
      phase: ready ? 'Running' : 'Pending',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      initContainerStatuses: initStatuses,
      containerStatuses: [
        {
          name: app,
          ready,
          image: 'nvcr.io/nvidia/operand',
          imageID: '',
          restartCount: 0,
          state: ready
            ? { running: { startedAt: '2026-03-02T09:03:00Z' } }
            : { waiting: { reason: 'PodInitializing' } },
        },
      ],
    },
  });
}

function completedValidator(app: string, nodeName: string, namespace: string): PodView {
  return toPodView({
    metadata: { name: `${app}-q8d4z`, namespace, uid: `uid-${app}`, labels: { app } },
    spec: { nodeName, containers: [{ name: app, image: 'nvcr.io/nvidia/cuda-sample' }] },
    status: { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }] },
  });
}

function run(node: NodeView, input: Partial<ValidationInput> = {}): NodeValidation {
  return validateNode(node, {
    config,
    before: beforeSnapshot(),
    maintenance: { startedAt: STARTED, requiresReboot: true },
    returnedAt: RETURNED,
    now: LATER,
    ...input,
  });
}

function checkOf(result: NodeValidation, name: string) {
  const found = result.checks.find((check) => check.name === name);
  if (!found) throw new Error(`no check "${name}" in ${result.checks.map((check) => check.name).join(', ')}`);
  return found;
}

describe('validateNode after a maintenance', () => {
  it('returns a healthy rebooted node as ready', () => {
    const result = run(h100Node());
    expect(result.verdict, JSON.stringify(result.checks, null, 1)).toBe('ready');
    expect(result.reasons).toEqual([]);
    expect(result.holds).toEqual([]);
    expect(result.checks.map((check) => check.name)).toEqual([
      'ready',
      'schedulable',
      'taints',
      'holds',
      'conditions',
      'gpu-allocatable',
      'rdma-allocatable',
      'boot-id',
      'identity',
      'soak',
    ]);
  });

  it('fails a Ready node with 7 of 8 GPUs against its snapshot', () => {
    const result = run(h100Node({ gpus: 7 }));
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toEqual(['gpu_allocatable_short']);
    expect(checkOf(result, 'ready').result).toBe('pass');
    expect(checkOf(result, 'gpu-allocatable').evidence).toBe(
      'nvidia.com/gpu allocatable 7, was 8 before the maintenance.',
    );
  });

  it('fails 7 of 8 GPUs without a snapshot from the count label', () => {
    const result = run(h100Node({ gpus: 7, gpuCapacity: 7 }), { before: null, maintenance: { startedAt: STARTED } });
    expect(result.verdict).toBe('not_ready');
    expect(checkOf(result, 'gpu-allocatable').reasons).toEqual(['gpu_allocatable_short']);
    expect(checkOf(result, 'gpu-allocatable').evidence).toContain(
      'nvidia.com/gpu allocatable 7 of 8 (label nvidia.com/gpu.count=8',
    );
  });

  it('tells zero GPUs from a missing GPU resource', () => {
    const zero = run(h100Node({ gpus: 0 }));
    expect(checkOf(zero, 'gpu-allocatable').reasons).toEqual(['gpu_allocatable_zero']);
    const node = h100Node();
    delete node.allocatable!['nvidia.com/gpu'];
    delete node.capacity!['nvidia.com/gpu'];
    expect(checkOf(run(node), 'gpu-allocatable').reasons).toEqual(['gpu_resource_missing']);
  });

  it('accepts GPUs shared under a renamed resource', () => {
    const node = h100Node({ gpus: 0, gpuCapacity: 0 });
    node.allocatable!['nvidia.com/gpu.shared'] = '32';
    node.capacity!['nvidia.com/gpu.shared'] = '32';
    const without = run(node, { before: null });
    expect(checkOf(without, 'gpu-allocatable').result).toBe('pass');
    expect(checkOf(without, 'gpu-allocatable').evidence).toContain('advertised as nvidia.com/gpu.shared');

    const sharedBefore = h100Node({ gpus: 0, gpuCapacity: 0, bootId: 'boot-1' });
    sharedBefore.allocatable!['nvidia.com/gpu.shared'] = '32';
    sharedBefore.capacity!['nvidia.com/gpu.shared'] = '32';
    node.allocatable!['nvidia.com/gpu.shared'] = '28';
    const short = run(node, { before: snapshotNode(sharedBefore, config) });
    expect(checkOf(short, 'gpu-allocatable').evidence).toContain('nvidia.com/gpu.shared allocatable 28, was 32 before');
    expect(short.reasons).toContain('gpu_allocatable_short');
  });

  it('treats a zero GPU count right after boot as settling', () => {
    const node = h100Node({
      gpus: 0,
      ready: { status: 'True', heartbeat: '2026-03-02T09:03:00Z', transition: '2026-03-02T09:02:00Z' },
    });
    const early = run(node, { returnedAt: '2026-03-02T09:02:00Z', now: new Date('2026-03-02T09:04:00Z') });
    expect(checkOf(early, 'gpu-allocatable').result).toBe('unknown');
    expect(checkOf(early, 'gpu-allocatable').reasons).toEqual(['settling:gpu_allocatable_zero']);
  });
});

describe('validateNode on node conditions', () => {
  it('does not trust a False condition reset before the node came back', () => {
    // node-problem-detector wrote KernelDeadlock=False when it restarted before the reboot and has not reported since.
    const node = h100Node({
      conditions: [npdCondition('KernelDeadlock', 'False', '2026-03-02T08:30:00Z', '2026-03-02T08:30:00Z')],
    });
    const result = run(node);
    expect(result.verdict).toBe('unknown');
    expect(checkOf(result, 'conditions').result).toBe('unknown');
    expect(result.reasons).toContain('condition_stale:KernelDeadlock');
    expect(checkOf(result, 'conditions').evidence).toContain('resets conditions to False when it restarts');
  });

  it('counts a False condition reported after the node came back', () => {
    const node = h100Node({
      conditions: [npdCondition('KernelDeadlock', 'False', '2026-03-02T09:10:00Z', '2026-03-02T09:02:00Z')],
    });
    expect(checkOf(run(node), 'conditions').result).toBe('pass');
  });

  it('does not trust the initial False after boot', () => {
    // node-problem-detector wrote its initial False at start and has not re-reported since.
    const node = h100Node({
      conditions: [npdCondition('KernelDeadlock', 'False', '2026-03-02T09:58:00Z', '2026-03-02T09:58:00Z')],
    });
    const result = run(node);
    expect(checkOf(result, 'conditions').result).toBe('unknown');
    expect(checkOf(result, 'conditions').reasons).toEqual(['condition_unconfirmed:KernelDeadlock']);
  });

  it('does not trust False while node-problem-detector is not Ready', () => {
    const node = h100Node();
    const detector = operandPod('node-problem-detector', node.name, false, 'kube-system');
    const result = run(node, { pods: [detector] });
    expect(checkOf(result, 'conditions').result).toBe('unknown');
    expect(checkOf(result, 'conditions').evidence).toContain(
      'node-problem-detector pod node-problem-detector-x7k2p is not Ready',
    );
  });

  it('ignores a True condition older than the boot', () => {
    const node = h100Node({
      conditions: [
        npdCondition('GpuXidError', 'True', '2026-03-02T07:40:00Z', '2026-03-02T07:30:00Z'),
        npdCondition('XidCriticalError', 'True', '2026-03-02T07:40:00Z', '2026-03-02T07:30:00Z'),
      ],
    });
    const result = run(node);
    expect(result.verdict).not.toBe('not_ready');
    const conditions = checkOf(result, 'conditions');
    expect(conditions.result).toBe('unknown');
    // GpuXidError is configured, so it needs a fresh report; XidCriticalError is not, so it is only ignored.
    expect(conditions.reasons).toEqual(['condition_stale:GpuXidError']);
    expect(conditions.evidence).toContain('XidCriticalError=True is ignored');
  });

  it('fails a True condition reported after the boot', () => {
    const node = h100Node({
      conditions: [npdCondition('XidCriticalError', 'True', '2026-03-02T09:20:00Z', '2026-03-02T09:15:00Z')],
    });
    const result = run(node);
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toEqual(['condition:XidCriticalError']);
  });

  it('judges status, not reason text', () => {
    const node = h100Node({
      conditions: [
        {
          ...npdCondition('ReadonlyFilesystem', 'False', '2026-03-02T09:30:00Z', '2026-03-02T09:02:00Z'),
          reason: 'FilesystemIsReadOnly',
          message: 'Filesystem is read-only',
        },
      ],
    });
    expect(checkOf(run(node), 'conditions').result).toBe('pass');
  });

  it('fails a kubelet pressure condition', () => {
    const node = h100Node();
    node.conditions!.find((condition) => condition.type === 'DiskPressure')!.status = 'True';
    expect(run(node).reasons).toEqual(['condition:DiskPressure']);
  });
});

describe('validateNode on RDMA', () => {
  const justBack = { status: 'True', heartbeat: '2026-03-02T09:04:00Z', transition: '2026-03-02T09:01:00Z' };

  it('waits while RDMA devices register after boot', () => {
    const result = run(h100Node({ rdma: 0, ready: justBack }), {
      returnedAt: '2026-03-02T09:01:00Z',
      now: new Date('2026-03-02T09:04:00Z'),
    });
    const rdma = checkOf(result, 'rdma-allocatable');
    expect(rdma.result).toBe('unknown');
    expect(rdma.reasons).toEqual(['settling:rdma_missing:rdma/rdma_shared_device_a']);
    expect(rdma.evidence).toContain('came up 3m ago');
  });

  it('fails RDMA still 0 once the node settled', () => {
    const result = run(h100Node({ rdma: 0, ready: justBack }), {
      returnedAt: '2026-03-02T09:01:00Z',
      now: new Date('2026-03-02T09:20:00Z'),
    });
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toContain('rdma_missing:rdma/rdma_shared_device_a');
  });

  it('fails fewer RDMA devices than before', () => {
    const result = run(h100Node({ rdma: 31 }));
    expect(checkOf(result, 'rdma-allocatable').evidence).toBe(
      'rdma/rdma_shared_device_a allocatable 31, was 63 before the maintenance.',
    );
    expect(result.reasons).toEqual(['rdma_short:rdma/rdma_shared_device_a']);
  });

  it('accepts a node that had no RDMA devices before', () => {
    const node = h100Node();
    delete node.allocatable!['rdma/rdma_shared_device_a'];
    delete node.capacity!['rdma/rdma_shared_device_a'];
    const before = snapshotNode(node, config);
    expect(checkOf(run(node, { before }), 'rdma-allocatable').result).toBe('pass');
  });
});

describe('validateNode on taints and holds', () => {
  it('shows a foreign taint as a hold and fails the node', () => {
    const node = h100Node({ taints: [{ key: 'nvidia.com/gpu-xid-error', value: 'true', effect: 'NoSchedule' }] });
    const result = run(node);
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toEqual(['untolerated_taint:nvidia.com/gpu-xid-error']);
    expect(result.holds).toEqual(['NVSentinel: taint nvidia.com/gpu-xid-error=true:NoSchedule']);
    expect(checkOf(result, 'taints').evidence).toContain('held by NVSentinel');
  });

  it('shows annotation and label holds', () => {
    const node = h100Node({
      annotations: { 'weave.works/kured-reboot-in-progress': 'gpu-a01' },
      labels: { 'k8saas.nvidia.com/cordon-by': 'NVSentinel', 'k8saas.nvidia.com/cordon-reason': 'GpuXidError' },
      unschedulable: true,
    });
    const result = run(node);
    expect(result.holds).toEqual([
      'NVSentinel: label k8saas.nvidia.com/cordon-by=NVSentinel',
      'kured: annotation weave.works/kured-reboot-in-progress=gpu-a01',
    ]);
    expect(checkOf(result, 'holds').reasons).toEqual([
      'hold:k8saas.nvidia.com/cordon-by',
      'hold:weave.works/kured-reboot-in-progress',
    ]);
    expect(checkOf(result, 'schedulable').evidence).toBe(
      'spec.unschedulable is true: the node is cordoned by NVSentinel (GpuXidError).',
    );
  });

  it('shows an unknown new taint as a hold of an unknown owner', () => {
    const result = run(h100Node({ taints: [{ key: 'team.example/debug', effect: 'NoExecute' }] }));
    expect(result.holds).toEqual(['unknown owner: taint team.example/debug:NoExecute']);
    expect(result.reasons).toEqual(['untolerated_taint:team.example/debug']);
  });

  it('accepts dedicated, earlier and soft taints', () => {
    const taints = [
      { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
      { key: 'pool.example/training', value: 'true', effect: 'NoSchedule' },
      { key: 'weave.works/kured-node-reboot', effect: 'PreferNoSchedule' },
    ];
    const before = beforeSnapshot({ taints: taints.slice(0, 2) });
    const result = run(h100Node({ taints }), { before });
    expect(checkOf(result, 'taints').result).toBe('pass');
    expect(result.verdict).toBe('ready');
  });

  it('fails leftover not-ready and maintenance taints', () => {
    const node = h100Node({
      unschedulable: true,
      taints: [
        { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
        { key: 'pitstop.dev/maintenance', value: 'MX-12', effect: 'NoSchedule' },
      ],
    });
    const result = run(node);
    expect(result.reasons).toEqual([
      'cordoned',
      'untolerated_taint:node.kubernetes.io/not-ready',
      'maintenance_taint:pitstop.dev/maintenance',
    ]);
    expect(result.holds).toEqual([]);
  });

  it('lists a cordon from before the maintenance as a hold', () => {
    const result = run(h100Node({ unschedulable: true }), { before: beforeSnapshot({ unschedulable: true }) });
    expect(result.holds).toEqual(['cordoned before the maintenance started: the cordon belongs to whoever set it']);
    expect(checkOf(result, 'schedulable').evidence).toContain('already cordoned before the maintenance');
    expect(readyExceptCordon(result)).toBe(false);
  });

  it('tells a node held only by its own cordon', () => {
    const node = h100Node({ unschedulable: true, taints: [{ key: 'pitstop.dev/maintenance', effect: 'NoSchedule' }] });
    const result = run(node);
    expect(result.verdict).toBe('not_ready');
    expect(readyExceptCordon(result)).toBe(true);
    expect(readyExceptCordon(run(h100Node({ unschedulable: true, gpus: 7 })))).toBe(false);
  });
});

describe('validateNode on boot, soak and freshness', () => {
  it('fails when the boot id did not change and a reboot is required', () => {
    const result = run(h100Node({ bootId: 'boot-1' }), { returnedAt: null });
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toEqual(['boot_id_unchanged']);
    expect(checkOf(result, 'boot-id').evidence).toBe(
      'Boot id boot-1 is the same as before the maintenance: the node has not rebooted.',
    );
  });

  it('skips the boot id when no reboot is required', () => {
    const result = run(h100Node({ bootId: 'boot-1' }), { maintenance: { startedAt: STARTED, requiresReboot: false } });
    expect(result.checks.some((check) => check.name === 'boot-id')).toBe(false);
  });

  it('keeps a node unknown until the soak elapses', () => {
    const result = run(h100Node(), { now: new Date('2026-03-02T09:04:00Z') });
    expect(result.verdict).toBe('unknown');
    expect(result.reasons).toEqual(['soak_pending']);
    expect(checkOf(result, 'soak').evidence).toBe(
      'Ready for 4m since 2026-03-02T09:00:00Z; the soak of 10m ends in 6m.',
    );
  });

  it('restarts the soak when Ready flapped after the return', () => {
    const node = h100Node({
      ready: { status: 'True', heartbeat: '2026-03-02T09:59:00Z', transition: '2026-03-02T09:55:00Z' },
    });
    const result = run(node);
    expect(checkOf(result, 'soak').result).toBe('unknown');
    expect(checkOf(result, 'soak').evidence).toContain('since 2026-03-02T09:55:00Z');
  });

  it('does not trust a Ready heartbeat from before the maintenance', () => {
    const node = h100Node({
      bootId: 'boot-1',
      ready: { status: 'True', heartbeat: '2026-03-02T07:59:00Z', transition: '2025-12-01T00:00:00Z' },
    });
    const result = run(node, { returnedAt: null, maintenance: { startedAt: STARTED } });
    expect(checkOf(result, 'ready').result).toBe('unknown');
    expect(checkOf(result, 'ready').reasons).toEqual(['ready_stale']);
  });

  it('fails a NotReady node even when other checks are unknown', () => {
    const node = h100Node({
      ready: { status: 'Unknown', heartbeat: '2026-03-02T08:01:00Z', transition: '2026-03-02T08:02:00Z' },
    });
    const result = run(node, { returnedAt: null });
    expect(result.checks.some((check) => check.result === 'unknown')).toBe(true);
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toContain('not_ready');
  });

  it('notes a replaced machine and fails a changed GPU product', () => {
    const replaced = run(h100Node({ providerId: 'aws:///us-east-1a/i-0def' }));
    expect(checkOf(replaced, 'identity').reasons).toEqual(['node_replaced']);
    const swapped = run(h100Node({ labels: { 'nvidia.com/gpu.product': 'NVIDIA-H200' } }));
    expect(checkOf(swapped, 'identity').reasons).toEqual(['gpu_product_changed']);
    const moved = run(h100Node({ labels: { 'topology.k8s.aws/network-node-layer-1': 'nn-9' } }));
    expect(checkOf(moved, 'identity').result).toBe('pass');
    expect(checkOf(moved, 'identity').evidence).toContain('topology.k8s.aws/network-node-layer-1 nn-1 to nn-9');
  });
});

describe('validateNode on the GPU operator', () => {
  const namespace = config.gpuOperatorNamespace;
  const operatorLabels = {
    'nvidia.com/gpu.deploy.operator-validator': 'true',
    'nvidia.com/gpu.deploy.device-plugin': 'true',
    'nvidia.com/gpu.deploy.driver': 'true',
  };
  const validatorInits = ['driver-validation', 'toolkit-validation', 'cuda-validation', 'plugin-validation'];

  it('passes when validators completed and operands are Ready', () => {
    const node = h100Node({ labels: operatorLabels });
    const pods = [
      operandPod('nvidia-operator-validator', node.name, true, namespace, validatorInits),
      operandPod('nvidia-device-plugin-daemonset', node.name, true, namespace),
      completedValidator('nvidia-cuda-validator', node.name, namespace),
    ];
    const result = run(node, { pods });
    expect(checkOf(result, 'gpu-operator').result).toBe('pass');
    expect(checkOf(result, 'gpu-operator').evidence).toContain('nvidia-cuda-validator-q8d4z Completed');
  });

  it('fails validators stuck in Init once the node settled', () => {
    const node = h100Node({ labels: operatorLabels });
    const pods = [
      operandPod('nvidia-operator-validator', node.name, false, namespace, validatorInits),
      operandPod('nvidia-device-plugin-daemonset', node.name, false, namespace, ['toolkit-validation']),
    ];
    const result = run(node, { pods });
    expect(result.verdict).toBe('not_ready');
    expect(result.reasons).toEqual(['validator_not_ready', 'device_plugin_not_ready']);
    expect(checkOf(result, 'gpu-operator').evidence).toContain(
      'nvidia-operator-validator-x7k2p is Init:0/4 (driver-validation running)',
    );
  });

  it('waits for validators right after boot', () => {
    const node = h100Node({
      labels: operatorLabels,
      ready: { status: 'True', heartbeat: '2026-03-02T09:04:00Z', transition: RETURNED },
    });
    const pods = [operandPod('nvidia-operator-validator', node.name, false, namespace, validatorInits)];
    const result = run(node, { pods, now: new Date('2026-03-02T09:05:00Z') });
    expect(checkOf(result, 'gpu-operator').reasons).toEqual(['settling:validator_not_ready']);
  });

  it('points at the namespace when operator pods run elsewhere', () => {
    const node = h100Node({ labels: operatorLabels });
    const pods = [operandPod('nvidia-operator-validator', node.name, true, 'nvidia-gpu-operator', validatorInits)];
    const evidence = checkOf(run(node, { pods }), 'gpu-operator').evidence;
    expect(evidence).toContain('operator pods run in nvidia-gpu-operator: set validation.gpuOperatorNamespace');
  });

  it('fails paused operands but accepts one disabled before', () => {
    const paused = run(h100Node({ labels: { 'nvidia.com/gpu.deploy.device-plugin': 'paused-for-driver-upgrade' } }));
    expect(paused.reasons).toContain('gpu_operands_paused');
    const disabled = { 'nvidia.com/gpu.deploy.dcgm-exporter': 'false' };
    const result = run(h100Node({ labels: disabled }), { before: beforeSnapshot({ labels: disabled }), pods: [] });
    expect(checkOf(result, 'gpu-operator').reasons).not.toContain('gpu_operands_paused');
  });

  it('fails a driver upgrade still in progress and shows it as a hold', () => {
    const result = run(h100Node({ labels: { 'nvidia.com/gpu-driver-upgrade-state': 'validation-required' } }), {
      pods: [],
    });
    expect(result.reasons).toContain('gpu_driver_upgrade_in_progress');
    expect(result.holds).toEqual(['GPU operator: driver upgrade state validation-required']);
  });
});

describe('validateNode custom checks', () => {
  const custom = validationSchema.parse({
    custom: [
      { type: 'label', name: 'driver-580', label: 'nvidia.com/cuda.driver.major', value: '580' },
      { type: 'condition', name: 'nic-firmware', condition: 'NicFirmwareCurrent', status: 'True' },
      { type: 'allocatable', name: 'efa', resource: 'vpc.amazonaws.com/efa', min: 32 },
    ],
  });

  it('runs label, condition and allocatable checks', () => {
    const node = h100Node({
      labels: { 'nvidia.com/cuda.driver.major': '570' },
      conditions: [npdCondition('NicFirmwareCurrent', 'True', '2026-03-02T09:30:00Z', '2026-03-02T09:05:00Z')],
    });
    node.allocatable!['vpc.amazonaws.com/efa'] = '31';
    const result = run(node, { config: custom, before: null });
    expect(checkOf(result, 'driver-580').evidence).toBe('Label nvidia.com/cuda.driver.major=570; expected 580.');
    expect(checkOf(result, 'nic-firmware').result).toBe('pass');
    expect(checkOf(result, 'efa').evidence).toBe('vpc.amazonaws.com/efa allocatable 31; the configured minimum is 32.');
    expect(result.reasons).toEqual(['custom:driver-580', 'custom:efa']);
    // A condition a custom check judges is not also read as a problem condition.
    expect(checkOf(result, 'conditions').result).toBe('pass');
  });
});

describe('excerpts', () => {
  it('proves only what an excerpt shows', () => {
    const excerpt = toNodeView({
      metadata: { name: 'pasted' },
      spec: {},
      status: { allocatable: { 'nvidia.com/gpu': '8' }, capacity: { 'nvidia.com/gpu': '8' } },
    });
    const result = validateNode(excerpt, { config: validationSchema.parse({}), now: LATER });
    expect(checkOf(result, 'schedulable').result).toBe('unknown');
    expect(result.verdict).toBe('unknown');
    const full = toNodeView({ metadata: { name: 'listed', creationTimestamp: '2025-01-01T00:00:00Z' }, spec: {} });
    expect(checkOf(validateNode(full, { config, now: LATER }), 'schedulable').result).toBe('pass');
  });

  it('reads spec.unschedulable an excerpt prints', () => {
    const excerpt = toNodeView({ metadata: { name: 'pasted' }, spec: { unschedulable: false } });
    const schedulable = checkOf(validateNode(excerpt, { config, now: LATER }), 'schedulable');
    expect(schedulable.result).toBe('pass');
    expect(schedulable.evidence).toBe('Not cordoned.');
  });

  it('names what an excerpt leaves out', () => {
    const excerpt = toNodeView({ metadata: { name: 'pasted' }, spec: { taints: [] } });
    const schedulable = checkOf(validateNode(excerpt, { config, now: LATER }), 'schedulable');
    expect(schedulable.result).toBe('unknown');
    expect(schedulable.evidence).toContain('excerpt (no metadata.creationTimestamp) leaves out spec.unschedulable');
  });
});

describe('snapshotNode', () => {
  it('records the baseline and survives JSON storage', () => {
    const snapshot = snapshotNode(
      h100Node({ bootId: 'boot-1', taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] }),
      config,
    );
    expect(snapshot.gpu).toEqual({ 'nvidia.com/gpu': { allocatable: 8, capacity: 8 } });
    expect(snapshot.rdma).toEqual({ 'rdma/rdma_shared_device_a': { allocatable: 63, capacity: 63 } });
    expect(snapshot.gpuProduct).toBe('NVIDIA-H100-80GB-HBM3');
    expect(snapshot.gpuCount).toBe(8);
    expect(snapshot.bootId).toBe('boot-1');
    expect(snapshot.unschedulable).toBe(false);
    expect(snapshot.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
    expect(snapshot.topology).toEqual({
      'topology.kubernetes.io/zone': 'us-east-1a',
      'topology.k8s.aws/network-node-layer-1': 'nn-1',
    });
    expect(snapshot.takenAt).toBe('2026-03-02T09:59:30Z');
    expect(readNodeSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
    expect(readNodeSnapshot({ name: 'x' })).toBeNull();
  });
});

describe('classifyNodeState', () => {
  const before = beforeSnapshot();
  const maintenance = { startedAt: STARTED, requiresReboot: true };

  it('follows a node through a rebooting maintenance', () => {
    const untouched = h100Node({ bootId: 'boot-1' });
    expect(classifyNodeState(untouched, { before, maintenance }).state).toBe('scheduled');
    const cordoned = h100Node({ bootId: 'boot-1', unschedulable: true });
    expect(classifyNodeState(cordoned, { before, maintenance }).state).toBe('draining');
    const down = h100Node({
      bootId: 'boot-1',
      unschedulable: true,
      ready: { status: 'Unknown', heartbeat: STARTED, transition: STARTED },
    });
    expect(classifyNodeState(down, { before, maintenance }).state).toBe('down');
    expect(classifyNodeState(null, { before, maintenance }).state).toBe('down');
    const back = h100Node({ unschedulable: true });
    expect(classifyNodeState(back, { before, maintenance }).state).toBe('returned');
    const failed = run(back);
    expect(classifyNodeState(back, { before, maintenance, validation: failed }).state).toBe('failed');
    const returned = h100Node();
    expect(classifyNodeState(returned, { before, maintenance, validation: run(returned) }).state).toBe('validated');
  });

  it('counts an uncordoned node as back when no reboot is required', () => {
    const node = h100Node({ bootId: 'boot-1' });
    const reading = classifyNodeState(node, { before, maintenance: { requiresReboot: false }, touched: true });
    expect(reading.state).toBe('returned');
    expect(reading.touched).toBe(true);
  });
});
