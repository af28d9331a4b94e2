import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.js';
import { configSchema, type PitstopConfig } from '../src/config/schema.js';
import type { PitstopContext } from '../src/context.js';
import type { FleetChange, FleetView, FleetWriter } from '../src/k8s/fleet.js';
import { toNodeView, toPodView, type NodeView, type PodView } from '../src/k8s/views.js';
import { silentLogger } from '../src/log.js';
import type { KubeObject } from '../src/standins/kube-api.js';
import { openStore, type Db } from '../src/store/db.js';

export const EAST = 'gpu-east';
export const EAST_CHANNEL = 'C0GPUEAST';
export const WEST = 'gpu-west';
export const WEST_CHANNEL = 'C0GPUWEST';
export const ML_GROUP = 'S0MLTRAIN';
export const ML_LEADS = 'S0MLLEADS';
export const SERVE_GROUP = 'S0SERVING';
export const MAINTAINER = 'U0MAINT';
export const REMEDIATOR = 'U0REMED';
export const OWNER = 'U0OWNER';
export const H100 = 'NVIDIA-H100-80GB-HBM3';
export const A100 = 'NVIDIA-A100-SXM4-80GB';
export const MAINTENANCE_TAINT = 'example.com/maintenance';

/** Two clusters on two vendors, two teams, roles, and a 10-minute soak. */
export function maintConfig(overrides: Record<string, unknown> = {}): PitstopConfig {
  return configSchema.parse({
    clusters: [
      { name: EAST, vendor: 'coreweave', context: EAST, channel: EAST_CHANNEL },
      { name: WEST, vendor: 'oci', context: WEST, channel: WEST_CHANNEL },
    ],
    teams: [
      { name: 'ml', userGroup: ML_GROUP, escalateTo: ML_LEADS, namespaces: ['ml-train'] },
      { name: 'serving', userGroup: SERVE_GROUP, namespaces: ['serving'] },
    ],
    alerting: { pendingAfter: '10m', escalateAfter: '30m', snoozeChoices: ['1h', '4h'] },
    validation: { soak: '10m', maintenanceTaints: [MAINTENANCE_TAINT] },
    roles: { maintainers: [MAINTAINER], remediators: [REMEDIATOR] },
    ...overrides,
  });
}

const RACK_LABEL: Record<string, string> = {
  [EAST]: 'node.coreweave.cloud/rack',
  [WEST]: 'oci.oraclecloud.com/host.rack_id',
};

export interface NodeSpec {
  rack?: string;
  sku?: string;
  gpus?: number;
  allocatable?: number;
  ready?: 'True' | 'False' | 'Unknown';
  cordoned?: boolean;
  bootId?: string;
  taints?: { key: string; value?: string; effect?: string }[];
  labels?: Record<string, string>;
  /** Time of the kubelet's last report (Ready heartbeat); the node's "now". */
  at: string;
  /** When Ready last changed; default a day before `at`. */
  readySince?: string;
}

/** A Node as `kubectl get node -o json` prints it, with GPU feature discovery labels and a boot id. */
export function nodeObject(cluster: string, name: string, spec: NodeSpec): KubeObject {
  const gpus = spec.gpus ?? 8;
  const ready = spec.ready ?? 'True';
  const since = spec.readySince ?? new Date(Date.parse(spec.at) - 86_400_000).toISOString();
  const gpuLabels: Record<string, string> =
    gpus === 0
      ? {}
      : {
          'nvidia.com/gpu.present': 'true',
          'nvidia.com/gpu.product': spec.sku ?? H100,
          'nvidia.com/gpu.count': String(gpus),
        };
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name,
    ...gpuLabels,
    ...(spec.rack ? { [RACK_LABEL[cluster]!]: spec.rack } : {}),
    ...spec.labels,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `uid-${cluster}-${name}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels,
      annotations: {},
    },
    spec: {
      providerID: `${cluster === WEST ? 'oci' : 'coreweave'}://${cluster}/${name}-instance`,
      ...(spec.cordoned ? { unschedulable: true } : {}),
      ...(spec.taints || spec.cordoned
        ? {
            taints: [
              ...(spec.cordoned
                ? [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: spec.at }]
                : []),
              ...(spec.taints ?? []).map((taint) => ({
                key: taint.key,
                value: taint.value ?? '',
                effect: taint.effect ?? 'NoSchedule',
              })),
            ],
          }
        : {}),
    },
    status: {
      capacity: { cpu: '96', memory: '1000Gi', pods: '110', ...(gpus === 0 ? {} : { 'nvidia.com/gpu': String(gpus) }) },
      allocatable: {
        cpu: '95',
        memory: '990Gi',
        pods: '110',
        ...(gpus === 0 ? {} : { 'nvidia.com/gpu': String(spec.allocatable ?? gpus) }),
      },
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          reason: 'KubeletHasSufficientMemory',
          lastHeartbeatTime: spec.at,
          lastTransitionTime: since,
        },
        {
          type: 'DiskPressure',
          status: 'False',
          reason: 'KubeletHasNoDiskPressure',
          lastHeartbeatTime: spec.at,
          lastTransitionTime: since,
        },
        {
          type: 'PIDPressure',
          status: 'False',
          reason: 'KubeletHasSufficientPID',
          lastHeartbeatTime: spec.at,
          lastTransitionTime: since,
        },
        {
          type: 'Ready',
          status: ready,
          reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady',
          message: ready === 'True' ? 'kubelet is posting ready status' : 'container runtime is down',
          lastHeartbeatTime: spec.at,
          lastTransitionTime: since,
        },
      ],
      nodeInfo: { bootID: spec.bootId ?? `boot-${name}-1`, kubeletVersion: 'v1.30.4', osImage: 'Ubuntu 22.04.4 LTS' },
    },
  };
}

export function nodeView(cluster: string, name: string, spec: NodeSpec): NodeView {
  return toNodeView(nodeObject(cluster, name, spec), cluster);
}

/** A running workload pod on a node. */
export function runningPod(
  cluster: string,
  namespace: string,
  name: string,
  node: string,
  options: { gpus?: number; daemonSet?: boolean } = {},
): PodView {
  return toPodView(
    {
      metadata: {
        name,
        namespace,
        uid: `uid-${namespace}-${name}`,
        creationTimestamp: '2026-03-01T00:00:00Z',
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: options.daemonSet ? 'DaemonSet' : 'StatefulSet',
            name: name.replace(/-\d+$/, ''),
            uid: 'x',
            controller: true,
          },
        ],
      },
      spec: {
        nodeName: node,
        containers: [{ name: 'main', resources: { requests: { 'nvidia.com/gpu': String(options.gpus ?? 0) } } }],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    },
    cluster,
  );
}

/** A pending pod whose PodScheduled condition carries the scheduler's message. */
export function pendingPodObject(
  namespace: string,
  name: string,
  message: string,
  since: string,
  gpus = 8,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, creationTimestamp: since },
    spec: {
      containers: [{ name: 'main', image: 'trainer', resources: { requests: { 'nvidia.com/gpu': String(gpus) } } }],
    },
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: since },
      ],
    },
  };
}

/** The GPU operator's validator pod on a node, Running and Ready or stuck in an init container. */
export function validatorPod(cluster: string, node: string, healthy: boolean): PodView {
  return toPodView(
    {
      metadata: {
        name: `nvidia-operator-validator-${node}`,
        namespace: 'gpu-operator',
        uid: `uid-validator-${node}`,
        labels: { app: 'nvidia-operator-validator' },
      },
      spec: { nodeName: node, containers: [{ name: 'nvidia-operator-validator' }] },
      status: {
        phase: healthy ? 'Running' : 'Pending',
        conditions: [{ type: 'Ready', status: healthy ? 'True' : 'False' }],
        initContainerStatuses: healthy
          ? [{ name: 'driver-validation', ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } }]
          : [{ name: 'driver-validation', ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
        containerStatuses: [
          {
            name: 'nvidia-operator-validator',
            ready: healthy,
            state: healthy ? { running: {} } : { waiting: { reason: 'PodInitializing' } },
          },
        ],
      },
    },
    cluster,
  );
}

/** A fleet that shows what a test puts in it, for several clusters; the watcher is tested against the stand-in. */
export class TestFleet implements FleetView {
  readonly nodeMap = new Map<string, Map<string, NodeView>>();
  readonly pending = new Map<string, PodView[]>();
  readonly running = new Map<string, PodView[]>();
  readonly validators = new Map<string, PodView[]>();
  readonly unsynced = new Set<string>();
  podListFailure: Error | null = null;

  setNode(cluster: string, name: string, spec: NodeSpec): void {
    const nodes = this.nodeMap.get(cluster) ?? new Map<string, NodeView>();
    nodes.set(name, nodeView(cluster, name, spec));
    this.nodeMap.set(cluster, nodes);
  }
  removeNode(cluster: string, name: string): void {
    this.nodeMap.get(cluster)?.delete(name);
  }
  clusters(): string[] {
    return [EAST, WEST];
  }
  synced(cluster: string): boolean {
    return !this.unsynced.has(cluster);
  }
  nodes(cluster: string): NodeView[] {
    return [...(this.nodeMap.get(cluster)?.values() ?? [])];
  }
  node(cluster: string, name: string): NodeView | undefined {
    return this.nodeMap.get(cluster)?.get(name);
  }
  pendingPods(cluster: string): PodView[] {
    return this.pending.get(cluster) ?? [];
  }
  validatorPods(cluster: string, node: string): PodView[] {
    return (this.validators.get(cluster) ?? []).filter((pod) => pod.nodeName === node);
  }
  async podsOnNodes(cluster: string, nodes: string[]): Promise<PodView[]> {
    if (this.podListFailure) throw this.podListFailure;
    return (this.running.get(cluster) ?? []).filter((pod) => pod.nodeName !== null && nodes.includes(pod.nodeName));
  }
  onChange(_listener: (changes: FleetChange[]) => void): () => void {
    return () => undefined;
  }
}

/** A writer that records uncordons and applies them to the test fleet, for tests that do not need the API server. */
export class RecordingWriter implements FleetWriter {
  readonly calls: string[] = [];
  constructor(private readonly fleet: TestFleet) {}
  async uncordon(cluster: string, node: string): Promise<void> {
    this.calls.push(`${cluster}/${node}`);
    const view = this.fleet.node(cluster, node);
    if (view)
      this.fleet.nodeMap
        .get(cluster)!
        .set(node, {
          ...view,
          unschedulable: false,
          taints: (view.taints ?? []).filter((taint) => taint.key !== 'node.kubernetes.io/unschedulable'),
        });
  }
}

export interface MaintContext extends PitstopContext {
  clock: ManualClock;
  fleet: TestFleet;
  path: string;
  reconcileRequests: number;
}

/** Opens a store in a fresh temp directory, or at `path` to play a restart on the same file. */
export function maintContext(
  options: {
    path?: string;
    fleet?: TestFleet;
    config?: PitstopConfig;
    start?: string;
    clock?: ManualClock;
    writer?: FleetWriter;
  } = {},
): MaintContext {
  const path = options.path ?? join(mkdtempSync(join(tmpdir(), 'pitstop-maint-')), 'pitstop.db');
  const db: Db = openStore(path);
  const context: MaintContext = {
    config: options.config ?? maintConfig(),
    db,
    clock: options.clock ?? new ManualClock(options.start ?? '2026-03-01T00:00:00Z'),
    fleet: options.fleet ?? new TestFleet(),
    log: silentLogger,
    ...(options.writer ? { writer: options.writer } : {}),
    path,
    reconcileRequests: 0,
    requestReconcile() {
      context.reconcileRequests += 1;
    },
  };
  return context;
}

export function removeStore(ctx: MaintContext): void {
  ctx.db.close();
  rmSync(join(ctx.path, '..'), { recursive: true, force: true });
}

export interface OutboxRow {
  id: number;
  kind: string;
  message_key: string;
  thread_key: string | null;
  channel: string;
  payload: { text: string; blocks?: unknown[]; options?: Record<string, unknown> };
}

/** Outbox rows after `afterId`, oldest first, with the payload parsed. */
export function outboxSince(db: Db, afterId = 0): OutboxRow[] {
  return db
    .prepare<[number], Omit<OutboxRow, 'payload'> & { payload: string }>(
      'SELECT id, kind, message_key, thread_key, channel, payload FROM outbox WHERE id > ? ORDER BY id',
    )
    .all(afterId)
    .map((row) => ({ ...row, payload: JSON.parse(row.payload) as OutboxRow['payload'] }));
}

export function lastOutboxId(db: Db): number {
  return db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM outbox').get()?.id ?? 0;
}

export function hours(count: number): number {
  return count * 3_600_000;
}

/** ISO time `offsetMs` after `base`. */
export function at(base: string, offsetMs: number): string {
  return new Date(Date.parse(base) + offsetMs).toISOString();
}
