import { iso, uuidFrom, type SimNode, type SimPod, type Taint, type ValidatorState } from './model.js';
import { scheduleAll } from './scheduler.js';
import { workloadPod, type WorkloadSpec } from './fleet.js';

/** A partial state a node can come back from the maintenance in; a node without one comes back healthy. */
export type ReturnFault =
  | { kind: 'gpus'; allocatable: number; validator?: ValidatorState }
  | { kind: 'rdma-missing' }
  | { kind: 'not-ready'; message: string }
  | { kind: 'validator'; validator: ValidatorState };

/** The fleet's nodes and pods, changed phase by phase the way a maintenance changes a real cluster. */
export class Simulation {
  private generations = new Map<string, number>();

  constructor(
    readonly nodes: SimNode[],
    readonly pods: SimPod[],
    private readonly workloads: WorkloadSpec[],
    private readonly drainTaint: string,
  ) {}

  node(cluster: string, name: string): SimNode {
    const found = this.nodes.find((node) => node.cluster === cluster && node.name === name);
    if (!found) throw new Error(`no node ${name} in ${cluster}`);
    return found;
  }

  /** Cordons the nodes and adds the maintenance operator's drain taint, as a NodeMaintenance does. */
  cordon(nodes: SimNode[], now: Date): void {
    for (const node of nodes) {
      node.unschedulable = true;
      node.taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: iso(now) });
      node.taints.push({ key: this.drainTaint, effect: 'NoSchedule', timeAdded: iso(now) });
      node.heartbeat = now;
    }
  }

  /** Evicts every pod but DaemonSet pods; each controller recreates its pods, which then wait pending. */
  drain(nodes: SimNode[], now: Date): void {
    const drained = new Set(nodes.map((node) => `${node.cluster}/${node.name}`));
    const evicted = this.pods.filter(
      (pod) => pod.nodeName !== undefined && drained.has(`${pod.cluster}/${pod.nodeName}`) && pod.owner.kind !== 'DaemonSet',
    );
    for (const pod of evicted) {
      this.pods.splice(this.pods.indexOf(pod), 1);
      this.pods.push(this.recreate(pod, now));
    }
    scheduleAll(this.nodes, this.pods, now);
  }

  private recreate(pod: SimPod, now: Date): SimPod {
    const spec = this.workloads.find((workload) => workload.cluster === pod.cluster && pod.labels[labelOf(workload)] === workload.name);
    if (!spec) throw new Error(`no workload owns ${pod.namespace}/${pod.name}`);
    const index = pod.index ?? 0;
    const key = `${spec.cluster}/${spec.name}/${index}`;
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    return workloadPod(spec, index, generation, now);
  }

  /** Reboots the nodes for the firmware update: the kubelet stops posting status and the node controller taints them. */
  goDown(nodes: SimNode[], now: Date): void {
    for (const node of nodes) {
      node.ready = { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', since: now };
      node.taints.push(taint('node.kubernetes.io/unreachable', 'NoSchedule', now), taint('node.kubernetes.io/unreachable', 'NoExecute', now));
      for (const pod of this.podsOn(node)) if (pod.validator) pod.validator = 'node-down';
    }
    scheduleAll(this.nodes, this.pods, now);
  }

  /** Boots the nodes with a new boot id. A fault leaves a node in one of the partial states a NIC update leaves behind. */
  comeBack(nodes: SimNode[], now: Date, faults: Map<string, ReturnFault>): void {
    for (const node of nodes) {
      const fault = faults.get(node.name);
      node.bootId = uuidFrom(`${node.cluster}/${node.name}/boot-${now.toISOString()}`);
      node.heartbeat = now;
      node.taints = node.taints.filter((entry) => entry.key !== 'node.kubernetes.io/unreachable');
      node.ready = { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', since: now };
      let validator: ValidatorState = 'passing';
      if (fault?.kind === 'gpus') {
        node.allocatable['nvidia.com/gpu'] = String(fault.allocatable);
        validator = fault.validator ?? 'passing';
      } else if (fault?.kind === 'rdma-missing') {
        for (const resource of Object.keys(node.capacity).filter((name) => name.includes('rdma') || name.includes('efa'))) {
          node.capacity[resource] = '0';
          node.allocatable[resource] = '0';
        }
      } else if (fault?.kind === 'not-ready') {
        node.ready = { status: 'False', reason: 'KubeletNotReady', message: fault.message, since: now };
        node.taints.push(taint('node.kubernetes.io/not-ready', 'NoSchedule', now), taint('node.kubernetes.io/not-ready', 'NoExecute', now));
        validator = 'node-down';
      } else if (fault?.kind === 'validator') {
        validator = fault.validator;
      }
      for (const pod of this.podsOn(node)) {
        if (!pod.validator) continue;
        pod.validator = validator;
        pod.startTime = now;
      }
    }
    scheduleAll(this.nodes, this.pods, now);
  }

  /** Uncordons the nodes; `keepTaint` nodes keep the drain taint, which the operator failed to remove. */
  uncordon(nodes: SimNode[], now: Date, keepTaint: Set<string> = new Set()): void {
    for (const node of nodes) {
      node.unschedulable = false;
      node.taints = node.taints.filter(
        (entry) => entry.key !== 'node.kubernetes.io/unschedulable' && (keepTaint.has(node.name) || entry.key !== this.drainTaint),
      );
      node.heartbeat = now;
    }
  }

  /** Removes a leftover taint by hand, as an engineer does with `kubectl taint nodes NODE KEY-`. */
  removeTaint(nodes: SimNode[], key: string, now: Date): void {
    for (const node of nodes) {
      node.taints = node.taints.filter((entry) => entry.key !== key);
      node.heartbeat = now;
    }
  }

  /** Lets the scheduler bind what fits now. */
  reschedule(now: Date): void {
    scheduleAll(this.nodes, this.pods, now);
  }

  add(pods: SimPod[], now: Date): void {
    this.pods.push(...pods);
    scheduleAll(this.nodes, this.pods, now);
  }

  podsOn(node: SimNode): SimPod[] {
    return this.pods.filter((pod) => pod.cluster === node.cluster && pod.nodeName === node.name);
  }
}

function labelOf(workload: WorkloadSpec): string {
  if (workload.kind === 'PyTorchJob') return 'training.kubeflow.org/job-name';
  return workload.kind === 'Deployment' ? 'app' : 'job-name';
}

function taint(key: string, effect: Taint['effect'], now: Date): Taint {
  return { key, effect, timeAdded: iso(now) };
}
