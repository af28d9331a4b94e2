import { createHash } from 'node:crypto';
import {
  DEFAULT_TOLERATIONS,
  GPU_TOLERATION,
  nameSuffix,
  uuidFrom,
  type SimNode,
  type SimPod,
  type Toleration,
} from './model.js';

/** Node pool settings that differ between the two clouds. */
export interface PoolSpec {
  cluster: string;
  racks: number;
  nodesPerRack: number;
  rackLabel: string;
  /** Extended resource the RDMA device plugin registers, and its count per node. */
  rdma: { resource: string; count: number };
  nodeName(rack: number, slot: number): string;
  address(rack: number, slot: number): string;
  providerId(seed: string): string;
  rackId(rack: number): string;
  labels(rack: number, slot: number): Record<string, string>;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: Record<string, string>;
}

function hex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

export const awsPool: PoolSpec = {
  cluster: 'aws-use1-h100',
  racks: 6,
  nodesPerRack: 8,
  rackLabel: 'topology.k8s.aws/network-node-layer-3',
  rdma: { resource: 'vpc.amazonaws.com/efa', count: 32 },
  nodeName: (rack, slot) => `ip-10-42-${rack + 1}-${21 + slot * 3}.ec2.internal`,
  address: (rack, slot) => `10.42.${rack + 1}.${21 + slot * 3}`,
  providerId: (seed) => `aws:///us-east-1a/i-0${hex(seed, 16)}`,
  rackId: (rack) => `nn-${hex(`aws-rack-${rack}`, 17)}`,
  labels: (rack) => ({
    'eks.amazonaws.com/capacityType': 'CAPACITY_BLOCK',
    'eks.amazonaws.com/nodegroup': 'h100-p5-48xl',
    'node.kubernetes.io/instance-type': 'p5.48xlarge',
    'topology.kubernetes.io/region': 'us-east-1',
    'topology.kubernetes.io/zone': 'us-east-1a',
    'topology.k8s.aws/zone-id': 'use1-az4',
    'topology.k8s.aws/network-node-layer-1': `nn-${hex('aws-spine', 17)}`,
    'topology.k8s.aws/network-node-layer-2': `nn-${hex(`aws-leaf-${Math.floor(rack / 3)}`, 17)}`,
    'vpc.amazonaws.com/efa.present': 'true',
    'nvidia.com/gpu.present': 'true',
    'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
    'nvidia.com/gpu.count': '8',
    'nvidia.com/gpu.memory': '81559',
    'nvidia.com/gpu.family': 'hopper',
    'nvidia.com/cuda.driver.major': '550',
    'nvidia.com/cuda.driver.minor': '127',
    'nvidia.com/cuda.driver.rev': '05',
    'nvidia.com/gpu.deploy.operator-validator': 'true',
  }),
  capacity: {
    cpu: '192',
    'ephemeral-storage': '7441183616Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '2113276288Ki',
    'nvidia.com/gpu': '8',
    pods: '100',
    'vpc.amazonaws.com/efa': '32',
  },
  allocatable: {
    cpu: '191450m',
    'ephemeral-storage': '6857794809152',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '2062682496Ki',
    'nvidia.com/gpu': '8',
    pods: '100',
    'vpc.amazonaws.com/efa': '32',
  },
  nodeInfo: {
    architecture: 'amd64',
    containerRuntimeVersion: 'containerd://1.7.22',
    kernelVersion: '5.10.225-213.878.amzn2.x86_64',
    kubeProxyVersion: 'v1.30.4-eks-a737599',
    kubeletVersion: 'v1.30.4-eks-a737599',
    operatingSystem: 'linux',
    osImage: 'Amazon Linux 2',
  },
};

export const ociPool: PoolSpec = {
  cluster: 'oci-ord-a100',
  racks: 5,
  nodesPerRack: 8,
  rackLabel: 'oci.oraclecloud.com/host.rack_id',
  rdma: { resource: 'nvidia.com/sriov_rdma_vf', count: 16 },
  nodeName: (rack, slot) => `10.140.${rack + 1}.${11 + slot * 2}`,
  address: (rack, slot) => `10.140.${rack + 1}.${11 + slot * 2}`,
  providerId: (seed) => `ocid1.instance.oc1.us-chicago-1.an4xkljr${hex(seed, 52)}`,
  rackId: (rack) => hex(`oci-rack-${rack}`, 16),
  labels: (rack, slot) => ({
    'node.kubernetes.io/instance-type': 'BM.GPU.A100-v2.8',
    'node-pool': rack === 4 ? 'research' : 'a100-train',
    'oci.oraclecloud.com/fault-domain': `FAULT-DOMAIN-${(slot % 3) + 1}`,
    'oci.oraclecloud.com/host.serial_number': `2219XLG0${(rack * 8 + slot + 10).toString().padStart(2, '0')}`,
    'oci.oraclecloud.com/host.network_block_id': hex(`oci-block-${Math.floor(rack / 2)}`, 16),
    'oci.oraclecloud.com/rdma.local_block_id': hex(`oci-local-${rack}`, 16),
    'topology.kubernetes.io/region': 'us-chicago-1',
    'topology.kubernetes.io/zone': 'US-CHICAGO-1-AD-1',
    'nvidia.com/gpu.present': 'true',
    'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB',
    'nvidia.com/gpu.count': '8',
    'nvidia.com/gpu.memory': '81920',
    'nvidia.com/gpu.family': 'ampere',
    'nvidia.com/cuda.driver.major': '535',
    'nvidia.com/cuda.driver.minor': '183',
    'nvidia.com/cuda.driver.rev': '06',
    'nvidia.com/gpu.deploy.operator-validator': 'true',
  }),
  capacity: {
    cpu: '256',
    'ephemeral-storage': '7441183616Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '2113276288Ki',
    'nvidia.com/gpu': '8',
    'nvidia.com/sriov_rdma_vf': '16',
    pods: '110',
  },
  allocatable: {
    cpu: '255',
    'ephemeral-storage': '6857794809152',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '2062682496Ki',
    'nvidia.com/gpu': '8',
    'nvidia.com/sriov_rdma_vf': '16',
    pods: '110',
  },
  nodeInfo: {
    architecture: 'amd64',
    containerRuntimeVersion: 'cri-o://1.30.3-1.el8',
    kernelVersion: '5.15.0-205.149.5.1.el8uek.x86_64',
    kubeProxyVersion: 'v1.30.1',
    kubeletVersion: 'v1.30.1',
    operatingSystem: 'linux',
    osImage: 'Oracle Linux Server 8.10',
  },
};

/** Builds a pool's nodes, all Ready and schedulable; `taintRack` taints one rack for a dedicated team. */
export function buildNodes(
  pool: PoolSpec,
  created: Date,
  now: Date,
  dedicated?: { rack: number; key: string; value: string },
): SimNode[] {
  const nodes: SimNode[] = [];
  for (let rack = 0; rack < pool.racks; rack += 1) {
    for (let slot = 0; slot < pool.nodesPerRack; slot += 1) {
      const name = pool.nodeName(rack, slot);
      nodes.push({
        cluster: pool.cluster,
        name,
        uid: uuidFrom(`${pool.cluster}/node/${name}`),
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          ...pool.labels(rack, slot),
          [pool.rackLabel]: pool.rackId(rack),
        },
        capacity: { ...pool.capacity },
        allocatable: { ...pool.allocatable },
        unschedulable: false,
        taints:
          dedicated !== undefined && dedicated.rack === rack
            ? [{ key: dedicated.key, value: dedicated.value, effect: 'NoSchedule' }]
            : [],
        ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', since: created },
        heartbeat: now,
        bootId: uuidFrom(`${pool.cluster}/${name}/boot-0`),
        providerId: pool.providerId(`${pool.cluster}/${name}`),
        created,
        address: pool.address(rack, slot),
        nodeInfo: {
          ...pool.nodeInfo,
          machineID: hex(`${name}/machine`, 32),
          systemUUID: uuidFrom(`${name}/system`).toUpperCase(),
        },
      });
    }
  }
  return nodes;
}

export interface WorkloadSpec {
  cluster: string;
  namespace: string;
  /** PyTorchJob workers keep their names when recreated; Deployment and Job pods get new ones. */
  kind: 'PyTorchJob' | 'Deployment' | 'Job';
  name: string;
  replicas: number;
  image: string;
  requests: Record<string, string>;
  priorityClassName: string;
  priority: number;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

/** Creates one pod of a workload; `generation` counts recreations, so each replacement has a new uid. */
export function workloadPod(spec: WorkloadSpec, index: number, generation: number, created: Date): SimPod {
  const ownerUid = uuidFrom(`${spec.cluster}/${spec.namespace}/${spec.kind}/${spec.name}`);
  const common = {
    cluster: spec.cluster,
    index,
    namespace: spec.namespace,
    created,
    image: spec.image,
    requests: spec.requests,
    priorityClassName: spec.priorityClassName,
    priority: spec.priority,
    nodeSelector: spec.nodeSelector ?? {},
    tolerations: [...(spec.tolerations ?? []), GPU_TOLERATION, ...DEFAULT_TOLERATIONS],
  };
  if (spec.kind === 'PyTorchJob') {
    const name = `${spec.name}-worker-${index}`;
    return {
      ...common,
      name,
      uid: uuidFrom(`${spec.cluster}/${spec.namespace}/${name}/${generation}`),
      labels: {
        'training.kubeflow.org/job-name': spec.name,
        'training.kubeflow.org/operator-name': 'pytorchjob-controller',
        'training.kubeflow.org/replica-index': String(index),
        'training.kubeflow.org/replica-type': 'worker',
      },
      owner: { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', name: spec.name, uid: ownerUid },
    };
  }
  if (spec.kind === 'Deployment') {
    const hash = nameSuffix(`${spec.name}/template`, 10);
    const replicaSet = `${spec.name}-${hash}`;
    const name = `${replicaSet}-${nameSuffix(`${spec.cluster}/${spec.name}/${index}/${generation}`)}`;
    return {
      ...common,
      name,
      uid: uuidFrom(`${spec.cluster}/${spec.namespace}/${name}`),
      labels: { app: spec.name, 'pod-template-hash': hash },
      owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSet, uid: uuidFrom(`${ownerUid}/rs`) },
    };
  }
  const name = `${spec.name}-${index}-${nameSuffix(`${spec.cluster}/${spec.name}/${index}/${generation}`)}`;
  return {
    ...common,
    name,
    uid: uuidFrom(`${spec.cluster}/${spec.namespace}/${name}`),
    labels: {
      'batch.kubernetes.io/job-completion-index': String(index),
      'batch.kubernetes.io/job-name': spec.name,
      'job-name': spec.name,
    },
    owner: { apiVersion: 'batch/v1', kind: 'Job', name: spec.name, uid: ownerUid },
  };
}

const VALIDATOR_IMAGE = 'nvcr.io/nvidia/cloud-native/gpu-operator-validator:v24.6.2';

/** Builds the GPU operator's validator DaemonSet pod on a node. */
export function validatorPod(node: SimNode, namespace: string, created: Date): SimPod {
  const name = `nvidia-operator-validator-${nameSuffix(`${node.cluster}/${node.name}/validator`)}`;
  return {
    cluster: node.cluster,
    namespace,
    name,
    uid: uuidFrom(`${node.cluster}/${namespace}/${name}`),
    labels: { app: 'nvidia-operator-validator', 'app.kubernetes.io/part-of': 'gpu-operator' },
    owner: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      name: 'nvidia-operator-validator',
      uid: uuidFrom(`${node.cluster}/validator-daemonset`),
    },
    created,
    image: VALIDATOR_IMAGE,
    requests: {},
    priorityClassName: 'system-node-critical',
    priority: 2000001000,
    nodeSelector: { 'nvidia.com/gpu.deploy.operator-validator': 'true' },
    tolerations: [{ operator: 'Exists' }],
    nodeName: node.name,
    startTime: created,
    validator: 'passing',
  };
}
