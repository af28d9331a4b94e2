import { iso, type SimNode, type SimPod, type ValidatorState } from './model.js';

/** Builds the Node object as `kubectl get node -o json` prints it, without managedFields. */
export function nodeObject(node: SimNode): Record<string, unknown> {
  const heartbeat = iso(node.heartbeat);
  const quiet = (type: string, reason: string, message: string) => ({
    type,
    status: 'False',
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: iso(node.created),
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: node.uid,
      creationTimestamp: iso(node.created),
      labels: node.labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      providerID: node.providerId,
      ...(node.unschedulable ? { unschedulable: true } : {}),
      ...(node.taints.length > 0 ? { taints: node.taints } : {}),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.address },
        { type: 'Hostname', address: node.name },
      ],
      capacity: node.capacity,
      allocatable: node.allocatable,
      conditions: [
        quiet('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        quiet('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        quiet('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        {
          type: 'Ready',
          status: node.ready.status,
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: iso(node.ready.since),
          reason: node.ready.reason,
          message: node.ready.message,
        },
      ],
      nodeInfo: { ...node.nodeInfo, bootID: node.bootId },
    },
  };
}

/** Builds the Pod object as `kubectl get pod -o json` prints it, without managedFields. */
export function podObject(pod: SimPod): Record<string, unknown> {
  const container = {
    name: pod.validator ? 'nvidia-operator-validator' : 'main',
    image: pod.image,
    resources: Object.keys(pod.requests).length > 0 ? { limits: gpuLimits(pod.requests), requests: pod.requests } : {},
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: pod.uid,
      creationTimestamp: iso(pod.created),
      labels: pod.labels,
      ownerReferences: [{ ...pod.owner, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...(pod.validator ? { initContainers: VALIDATIONS.map((name) => ({ name, image: pod.image })) } : {}),
      containers: [container],
      ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
      ...(Object.keys(pod.nodeSelector).length > 0 ? { nodeSelector: pod.nodeSelector } : {}),
      priorityClassName: pod.priorityClassName,
      priority: pod.priority,
      schedulerName: 'default-scheduler',
      restartPolicy: pod.owner.kind === 'Job' ? 'Never' : 'Always',
      tolerations: pod.tolerations,
    },
    status: podStatus(pod),
  };
}

/** Extended resources must have limits equal to requests; cpu and memory limits are left unset. */
function gpuLimits(requests: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(requests).filter(([name]) => name.includes('/')));
}

const VALIDATIONS = ['driver-validation', 'toolkit-validation', 'cuda-validation', 'plugin-validation'] as const;

function podStatus(pod: SimPod): Record<string, unknown> {
  if (pod.unschedulable) {
    return {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime: iso(pod.unschedulable.since),
          reason: 'Unschedulable',
          message: pod.unschedulable.message,
        },
      ],
      qosClass: 'Burstable',
    };
  }
  if (pod.validator) return validatorStatus(pod, pod.validator);
  const started = iso(pod.startTime ?? pod.created);
  return {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: started },
      { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: started },
      { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: started },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: started },
    ],
    startTime: started,
    containerStatuses: [
      { name: 'main', ready: true, restartCount: 0, started: true, image: pod.image, state: { running: { startedAt: started } } },
    ],
    qosClass: 'Burstable',
  };
}

/** Builds the validator's status: its four init containers run in order, and the first failing one blocks the rest. */
function validatorStatus(pod: SimPod, state: ValidatorState): Record<string, unknown> {
  const started = iso(pod.startTime ?? pod.created);
  const failing = typeof state === 'object' ? VALIDATIONS.indexOf(state.failing) : -1;
  const initContainerStatuses = VALIDATIONS.map((name, index) => {
    const base = { name, image: pod.image, restartCount: index === failing ? 6 : 0 };
    if (failing === -1 || index < failing) {
      return { ...base, ready: true, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } } };
    }
    if (index === failing) return { ...base, ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } };
    return { ...base, ready: false, state: { waiting: { reason: 'PodInitializing' } } };
  });
  const ready = state === 'passing' ? 'True' : 'False';
  return {
    phase: failing === -1 ? 'Running' : 'Pending',
    conditions: [
      { type: 'Initialized', status: failing === -1 ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: started },
      { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: started },
      { type: 'ContainersReady', status: ready, lastProbeTime: null, lastTransitionTime: started },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: iso(pod.created) },
    ],
    startTime: started,
    initContainerStatuses,
    containerStatuses: [
      {
        name: 'nvidia-operator-validator',
        image: pod.image,
        ready: state === 'passing',
        restartCount: 0,
        started: failing === -1,
        state: failing === -1 ? { running: { startedAt: started } } : { waiting: { reason: 'PodInitializing' } },
      },
    ],
    qosClass: 'BestEffort',
  };
}
