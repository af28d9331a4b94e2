import type { NodeView } from '../k8s/views.js';
import type { NodeTopology } from './types.js';

/** Returns the first of the labels that is set and not empty. */
export function firstLabel(node: NodeView, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = node.labels[key];
    if (value !== undefined && value !== '') return value;
  }
  return null;
}

/** Returns the GPU product from GPU feature discovery, else the instance type. */
export function skuOf(node: NodeView, ...vendorKeys: string[]): string | null {
  return firstLabel(
    node,
    'nvidia.com/gpu.product',
    ...vendorKeys,
    'node.kubernetes.io/instance-type',
    'beta.kubernetes.io/instance-type',
  );
}

/**
 * Returns the NVLink domain: GPU feature discovery's clique label, else Topograph's accelerator domain
 * (Topograph leaves its own label unset where the clique label exists).
 */
export function nvlinkDomainOf(node: NodeView, ...vendorKeys: string[]): string | null {
  return firstLabel(
    node,
    'nvidia.com/gpu.clique',
    ...vendorKeys,
    'network.topology.nvidia.com/accelerator',
    'accelerator.topograph.run/domain',
  );
}

/** Returns Topograph's leaf switch label, the vendor-neutral fallback for `fabric`. */
export function topographLeaf(node: NodeView): string | null {
  return firstLabel(node, 'network.topology.nvidia.com/leaf');
}

/** Reads topology from vendor-neutral labels only, for vendors that publish none of their own. */
export function neutralTopology(node: NodeView, rackLabel: string | undefined, instanceId: string | null): NodeTopology {
  return {
    rack: rackLabel === undefined ? null : firstLabel(node, rackLabel),
    sku: skuOf(node),
    fabric: topographLeaf(node),
    nvlinkDomain: nvlinkDomainOf(node),
    instanceId,
  };
}

/** Splits the provider id on `/` after its `scheme://` prefix, dropping empty segments. */
export function providerIdSegments(node: NodeView): string[] {
  if (node.providerId === null || node.providerId === '') return [];
  return node.providerId
    .replace(/^[a-z0-9-]+:\/\//i, '')
    .split('/')
    .filter((segment) => segment !== '');
}

/** Returns the node name, hostname label and the given vendor names, without empties and repeats. */
export function baseResourceNames(node: NodeView, ...vendorNames: (string | null)[]): string[] {
  const names = [node.name, node.labels['kubernetes.io/hostname'] ?? null, ...vendorNames];
  return [...new Set(names.filter((name): name is string => name !== null && name !== ''))];
}
