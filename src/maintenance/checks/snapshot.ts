import type { ValidationConfig } from '../../config/schema.js';
import type { NodeView } from '../../k8s/views.js';
import { findCondition, knownTaints, knownUnschedulable } from './context.js';
import {
  amountOf,
  GPU_PRODUCT_LABEL,
  gpuCountLabel,
  isGpuResource,
  looksLikeRdma,
  OPERAND_LABEL_PREFIX,
  resourceNames,
  showsGpus,
} from './resources.js';
import type { NodeSnapshot, ResourceAmount } from './types.js';

/**
 * Labels that place a node in its rack, fabric, NVLink domain and zone, as Kubernetes, Topograph, AWS, OCI, GCP,
 * CoreWeave and NVIDIA GPU feature discovery write them. Entries ending in `/` or `-` are prefixes.
 */
const TOPOLOGY_LABELS = [
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
  'nvidia.com/gpu.clique',
  'accelerator.topograph.run/',
  'fabric.topograph.run/',
  'topology.k8s.aws/network-node-layer-',
  'topology.k8s.aws/capacity-block-id',
  'oci.oraclecloud.com/host.rack_id',
  'oci.oraclecloud.com/host.network_block_id',
  'oci.oraclecloud.com/host.gpu_memory_fabric_id',
  'oci.oraclecloud.com/host.serial_number',
  'oci.oraclecloud.com/rdma.local_block_id',
  'cloud.google.com/gce-topology-',
  'node.coreweave.cloud/rack',
  'ds.coreweave.com/physical-topology.rack-name',
  'backend.coreweave.cloud/superpod',
];

function isTopologyLabel(key: string): boolean {
  return TOPOLOGY_LABELS.some((pattern) =>
    pattern.endsWith('/') || pattern.endsWith('-') ? key.startsWith(pattern) : key === pattern,
  );
}

function amounts(node: NodeView, names: string[]): Record<string, ResourceAmount> {
  return Object.fromEntries(names.map((resource) => [resource, amountOf(node, resource)]));
}

/**
 * Records the node's GPU, RDMA, label and boot state before a maintenance. `takenAt` defaults to the node's last
 * Ready heartbeat, the time the recorded state was reported.
 */
export function snapshotNode(node: NodeView, config: ValidationConfig, takenAt?: Date | string | null): NodeSnapshot {
  const rdmaNames = [...new Set([...config.rdmaResources, ...resourceNames(node, looksLikeRdma)])].sort();
  const time =
    takenAt instanceof Date
      ? takenAt.toISOString()
      : (takenAt ?? findCondition(node, 'Ready')?.lastHeartbeatTime ?? null);
  const labels = node.labels;
  return {
    version: 1,
    name: node.name,
    cluster: node.cluster,
    takenAt: time,
    bootId: node.bootId,
    providerId: node.providerId,
    unschedulable: knownUnschedulable(node),
    taints: knownTaints(node)?.map(({ key, value, effect }) => ({ key, value, effect })) ?? null,
    gpuNode: showsGpus(node),
    gpu: node.allocatable === null && node.capacity === null ? {} : amounts(node, resourceNames(node, isGpuResource)),
    rdma: node.allocatable === null && node.capacity === null ? {} : amounts(node, rdmaNames),
    gpuProduct: labels[GPU_PRODUCT_LABEL] ?? null,
    gpuCount: gpuCountLabel(labels),
    operandLabels: Object.fromEntries(Object.entries(labels).filter(([key]) => key.startsWith(OPERAND_LABEL_PREFIX))),
    topology: Object.fromEntries(Object.entries(labels).filter(([key]) => isTopologyLabel(key))),
  };
}

/**
 * Reads a stored snapshot back, for example from the tracker's database. Returns `null` for anything that is not a
 * version 1 snapshot, so that a snapshot in another format is ignored rather than misread.
 */
export function readNodeSnapshot(value: unknown): NodeSnapshot | null {
  if (value === null || typeof value !== 'object') return null;
  const candidate = value as Partial<NodeSnapshot>;
  if (candidate.version !== 1 || typeof candidate.name !== 'string') return null;
  if (typeof candidate.gpu !== 'object' || typeof candidate.rdma !== 'object') return null;
  return candidate as NodeSnapshot;
}
