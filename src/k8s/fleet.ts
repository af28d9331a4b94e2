import type { NodeView, PodView } from './views.js';

/** A change the watchers saw; rules re-derive what channels show after each batch of these. */
export type FleetChange =
  | { type: 'node'; cluster: string; name: string; deleted: boolean }
  | { type: 'pod'; cluster: string; uid: string; deleted: boolean }
  | { type: 'synced'; cluster: string }
  | { type: 'error'; cluster: string; error: Error };

/**
 * What Pitstop knows of each cluster, kept current by list and watch. It holds all nodes, the pods that are
 * not scheduled, and the GPU operator validator pods; any other pod is read by a targeted list on demand.
 */
export interface FleetView {
  clusters(): string[];
  /** True once the initial list of every watched kind in the cluster has been loaded. */
  synced(cluster: string): boolean;
  nodes(cluster: string): NodeView[];
  node(cluster: string, name: string): NodeView | undefined;
  /** Pods with no node assigned (`spec.nodeName` empty), in any phase but Succeeded or Failed. */
  pendingPods(cluster: string): PodView[];
  /** Pods of the GPU operator namespace bound to a node: the validators, the device plugin and other operands. */
  validatorPods(cluster: string, node: string): PodView[];
  /** Lists the pods bound to the given nodes, one request per call, for blast-radius counts. */
  podsOnNodes(cluster: string, nodes: string[]): Promise<PodView[]>;
  onChange(listener: (changes: FleetChange[]) => void): () => void;
}

/** Writes Pitstop may make to a cluster; only used when the config allows cluster writes. */
export interface FleetWriter {
  uncordon(cluster: string, node: string): Promise<void>;
}
