import type { NodeView } from '../../k8s/views.js';
import { quantity } from './format.js';
import type { ResourceAmount } from './types.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_COUNT_LABEL = 'nvidia.com/gpu.count';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';
export const OPERAND_LABEL_PREFIX = 'nvidia.com/gpu.deploy.';

/**
 * GPU extended resources: whole GPUs, the device plugin's renamed shared resource (`nvidia.com/gpu.shared`), MIG
 * devices under the mixed strategy (`nvidia.com/mig-1g.10gb`), and AMD GPUs.
 */
export function isGpuResource(resource: string): boolean {
  return /^nvidia\.com\/(gpu(\.[a-z0-9-]+)?|mig-[a-z0-9.-]+)$/.test(resource) || resource === 'amd.com/gpu';
}

/**
 * Resources whose names mark them as RDMA devices: the RDMA shared device plugin's `rdma/*` pools, AWS EFA, and
 * SR-IOV pools with "rdma" in their names. Other SR-IOV pools are RDMA only by configuration.
 */
export function looksLikeRdma(resource: string): boolean {
  return resource.startsWith('rdma/') || resource === 'vpc.amazonaws.com/efa' || /rdma/i.test(resource);
}

/** Names of the node's resources, from allocatable and capacity, that pass `filter`. */
export function resourceNames(node: NodeView, filter: (resource: string) => boolean): string[] {
  const names = new Set([...Object.keys(node.allocatable ?? {}), ...Object.keys(node.capacity ?? {})]);
  return [...names].filter(filter).sort();
}

export function amountOf(node: NodeView, resource: string): ResourceAmount {
  return { allocatable: quantity(node.allocatable, resource), capacity: quantity(node.capacity, resource) };
}

/** Label `nvidia.com/gpu.count` as a number, `null` when absent or not a whole number. */
export function gpuCountLabel(labels: Record<string, string>): number | null {
  const text = labels[GPU_COUNT_LABEL];
  if (text === undefined || !/^\d+$/.test(text)) return null;
  return Number(text);
}

/** Returns whether the node shows GPUs: a GPU resource, or GPU feature discovery and GPU operator labels. */
export function showsGpus(node: NodeView): boolean {
  if (resourceNames(node, isGpuResource).length > 0) return true;
  const labels = node.labels;
  return (
    labels[GPU_PRESENT_LABEL] === 'true' ||
    labels[GPU_COUNT_LABEL] !== undefined ||
    labels[GPU_PRODUCT_LABEL] !== undefined ||
    Object.keys(labels).some((key) => key.startsWith(OPERAND_LABEL_PREFIX))
  );
}
