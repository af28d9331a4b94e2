import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimNode, SimPod } from './model.js';
import { nodeObject, podObject } from './objects.js';

export interface PhaseFiles {
  /** Objects removed since the previous phase, as a List `kubectl delete -f` accepts. */
  deleteFile?: string;
  /** Objects added or changed since the previous phase, as a List `kubectl apply -f` accepts. */
  applyFile?: string;
  applied: number;
  deleted: number;
}

type Entry = { kind: 'Node' | 'Pod'; namespace?: string; name: string; json: string };

/**
 * Writes each phase of one cluster as the difference to the previous phase, so a replay sends only what
 * changed. Objects are keyed by uid as well as name: a pod recreated under the same name is a delete and
 * a create, as it is on a real cluster.
 */
export class ClusterRecorder {
  private last = new Map<string, Entry>();

  constructor(
    readonly cluster: string,
    private readonly folder: string,
    private readonly relativeFolder: string,
  ) {
    mkdirSync(folder, { recursive: true });
  }

  record(phase: string, nodes: SimNode[], pods: SimPod[]): PhaseFiles {
    const current = new Map<string, Entry>();
    for (const node of nodes.filter((candidate) => candidate.cluster === this.cluster)) {
      current.set(`Node/${node.name}/${node.uid}`, { kind: 'Node', name: node.name, json: JSON.stringify(nodeObject(node)) });
    }
    for (const pod of pods.filter((candidate) => candidate.cluster === this.cluster)) {
      current.set(`Pod/${pod.namespace}/${pod.name}/${pod.uid}`, {
        kind: 'Pod',
        namespace: pod.namespace,
        name: pod.name,
        json: JSON.stringify(podObject(pod)),
      });
    }
    const removed = [...this.last.entries()].filter(([key]) => !current.has(key)).map(([, entry]) => entry);
    const changed = [...current.entries()].filter(([key, entry]) => this.last.get(key)?.json !== entry.json).map(([, entry]) => entry);
    this.last = current;
    const files: PhaseFiles = { applied: changed.length, deleted: removed.length };
    if (removed.length > 0) {
      files.deleteFile = this.write(
        `${phase}.delete.json`,
        removed.map((entry) =>
          JSON.stringify({
            apiVersion: 'v1',
            kind: entry.kind,
            metadata: entry.namespace ? { name: entry.name, namespace: entry.namespace } : { name: entry.name },
          }),
        ),
      );
    }
    if (changed.length > 0) files.applyFile = this.write(`${phase}.json`, changed.map((entry) => entry.json));
    return files;
  }

  /** Writes one item per line, which keeps the files diffable while they stay the List `kubectl get -o json` prints. */
  private write(name: string, items: string[]): string {
    const text = `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [\n${items.join(',\n')}\n]}\n`;
    writeFileSync(join(this.folder, name), text);
    return `${this.relativeFolder}/${name}`;
  }
}
