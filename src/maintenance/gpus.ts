import { parseQuantity, type NodeView } from '../k8s/views.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';
const GPU_COUNT_LABEL = 'nvidia.com/gpu.count';

function count(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = parseQuantity(value);
  return Number.isFinite(parsed) ? Math.round(parsed) : null;
}

/**
 * GPUs the node has: `status.capacity`, else the `nvidia.com/gpu.count` label, else allocatable.
 * Capacity comes first because the device plugin drops unhealthy GPUs from allocatable only.
 */
export function gpuCapacity(node: NodeView): number {
  return (
    count(node.capacity?.[GPU_RESOURCE]) ??
    count(node.labels[GPU_COUNT_LABEL]) ??
    count(node.allocatable?.[GPU_RESOURCE]) ??
    0
  );
}

/** GPUs the scheduler can place pods on now. */
export function gpuAllocatable(node: NodeView): number {
  return count(node.allocatable?.[GPU_RESOURCE]) ?? 0;
}

/** `Ready` condition status: `True`, `False`, `Unknown`, or null when the node shows no such condition. */
export function readyStatus(node: NodeView): string | null {
  return node.conditions?.find((condition) => condition.type === 'Ready')?.status ?? null;
}
