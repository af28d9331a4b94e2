import type { ClusterConfig, MaintenanceScope, PitstopConfig } from '../config/schema.js';
import type { NodeView } from '../k8s/views.js';
import { adapterFor } from '../vendors/index.js';
import { matchesSelector, parseLabelSelector, type Requirement } from './label-selector.js';

/** Label that GPU feature discovery sets to the GPU model, such as `NVIDIA-H100-80GB-HBM3`. */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';

export class ScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeError';
  }
}

/** Rack, SKU and instance id of a node, by which the recovery message groups nodes. */
export interface NodePlacement {
  rack: string | null;
  sku: string | null;
  instanceId: string | null;
}

/** Returns the cluster's config entry, or throws naming the cluster and the declared ones. */
export function clusterConfig(config: PitstopConfig, name: string): ClusterConfig {
  const cluster = config.clusters.find((entry) => entry.name === name);
  if (!cluster) {
    const known = config.clusters.map((entry) => entry.name).join(', ');
    throw new ScopeError(`cluster "${name}" is not declared under clusters (declared: ${known})`);
  }
  return cluster;
}

/** Reads rack, SKU and instance id through the cluster vendor's adapter; the cluster's `rackLabel` overrides the rack label. */
export function placementOf(cluster: ClusterConfig, node: NodeView): NodePlacement {
  const topology = adapterFor(cluster.vendor).topology(
    node,
    cluster.rackLabel === undefined ? undefined : { rackLabel: cluster.rackLabel },
  );
  return {
    rack: topology.rack,
    sku: node.labels[GPU_PRODUCT_LABEL] ?? topology.sku,
    instanceId: topology.instanceId,
  };
}

/** A scope checked once and ready to match nodes against. */
export interface CompiledScope {
  all: boolean;
  selector: Requirement[] | null;
  gpuProducts: Set<string> | null;
  racks: Set<string> | null;
  nodes: Set<string> | null;
}

/**
 * Checks and compiles a scope. Criteria combine with AND: `{ gpuProducts: [H100], racks: [r1] }` selects
 * the H100 nodes of rack r1. `all: true` excludes every other criterion, and a scope must name at least one.
 */
export function compileScope(scope: MaintenanceScope): CompiledScope {
  const criteria = (['labelSelector', 'gpuProducts', 'racks', 'nodes'] as const).filter(
    (key) => scope[key] !== undefined,
  );
  if (scope.all === true && criteria.length > 0) {
    throw new ScopeError(`scope sets all: true together with ${criteria.join(', ')}: keep one of them`);
  }
  if (scope.all !== true && criteria.length === 0) {
    throw new ScopeError('scope selects nothing: set all: true, labelSelector, gpuProducts, racks or nodes');
  }
  for (const key of ['gpuProducts', 'racks', 'nodes'] as const) {
    if (scope[key] !== undefined && scope[key].length === 0) {
      throw new ScopeError(`scope ${key} is an empty list: name at least one, or leave ${key} out`);
    }
  }
  return {
    all: scope.all === true,
    selector: scope.labelSelector === undefined ? null : parseLabelSelector(scope.labelSelector),
    gpuProducts: scope.gpuProducts === undefined ? null : new Set(scope.gpuProducts),
    racks: scope.racks === undefined ? null : new Set(scope.racks),
    nodes: scope.nodes === undefined ? null : new Set(scope.nodes),
  };
}

/** Returns whether a node is in the scope; `placement` supplies the rack the vendor adapter reads. */
export function scopeMatches(scope: CompiledScope, node: NodeView, placement: NodePlacement): boolean {
  if (scope.all) return true;
  if (scope.nodes !== null && !scope.nodes.has(node.name)) return false;
  if (scope.selector !== null && !matchesSelector(scope.selector, node.labels)) return false;
  if (scope.gpuProducts !== null) {
    const product = node.labels[GPU_PRODUCT_LABEL];
    if (product === undefined || !scope.gpuProducts.has(product)) return false;
  }
  if (scope.racks !== null && (placement.rack === null || !scope.racks.has(placement.rack))) return false;
  return true;
}

/** The result of evaluating a scope against a cluster's nodes. */
export interface ScopeSelection {
  nodes: NodeView[];
  /** Nodes the scope names explicitly that the cluster does not have. */
  missing: string[];
}

/** Selects the nodes of one cluster that a scope covers. */
export function selectNodes(
  cluster: ClusterConfig,
  scope: MaintenanceScope,
  nodes: readonly NodeView[],
): ScopeSelection {
  const compiled = compileScope(scope);
  const selected = nodes.filter((node) => scopeMatches(compiled, node, placementOf(cluster, node)));
  const present = new Set(nodes.map((node) => node.name));
  const missing = compiled.nodes === null ? [] : [...compiled.nodes].filter((name) => !present.has(name)).sort();
  return { nodes: selected, missing };
}

/** Describes a scope in a few words, for messages: "label a=b, GPU H100, racks r1, r2". */
export function describeScope(scope: MaintenanceScope): string {
  if (scope.all === true) return 'all nodes';
  const parts: string[] = [];
  if (scope.labelSelector !== undefined) parts.push(`label ${scope.labelSelector}`);
  if (scope.gpuProducts !== undefined) parts.push(`GPU ${scope.gpuProducts.join(', ')}`);
  if (scope.racks !== undefined) parts.push(`racks ${scope.racks.join(', ')}`);
  if (scope.nodes !== undefined) parts.push(`nodes ${scope.nodes.join(', ')}`);
  return parts.join('; ');
}
