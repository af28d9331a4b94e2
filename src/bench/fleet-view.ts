import type { FleetChange, FleetView } from '../k8s/fleet.js';
import type { NodeView, PodView } from '../k8s/views.js';

/**
 * A synced fleet of one cluster that returns the nodes and pods the bench gives it, so the alert benchmarks time
 * the rules and not the watch. The watch is measured on its own against the Kubernetes stand-in.
 */
export class BenchFleet implements FleetView {
  pods: PodView[] = [];
  private readonly byName: Map<string, NodeView>;

  constructor(
    readonly cluster: string,
    readonly nodeList: NodeView[],
  ) {
    this.byName = new Map(nodeList.map((node) => [node.name, node]));
  }

  clusters(): string[] {
    return [this.cluster];
  }
  synced(cluster: string): boolean {
    return cluster === this.cluster;
  }
  nodes(cluster: string): NodeView[] {
    return cluster === this.cluster ? this.nodeList : [];
  }
  node(cluster: string, name: string): NodeView | undefined {
    return cluster === this.cluster ? this.byName.get(name) : undefined;
  }
  pendingPods(cluster: string): PodView[] {
    return cluster === this.cluster ? this.pods : [];
  }
  validatorPods(): PodView[] {
    return [];
  }
  async podsOnNodes(): Promise<PodView[]> {
    return [];
  }
  onChange(_listener: (changes: FleetChange[]) => void): () => void {
    return () => undefined;
  }
}
