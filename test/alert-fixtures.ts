import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertSnapshot } from '../src/alerts/snapshot.js';
import { openAlert, type Alert } from '../src/alerts/store.js';
import { ManualClock } from '../src/clock.js';
import { configSchema, type PitstopConfig } from '../src/config/schema.js';
import type { PitstopContext } from '../src/context.js';
import type { FleetChange, FleetView } from '../src/k8s/fleet.js';
import { toNodeView, toPodView, type NodeView, type PodView } from '../src/k8s/views.js';
import { silentLogger } from '../src/log.js';
import { openStore, type Db } from '../src/store/db.js';

export const CLUSTER = 'gpu-east';
export const CHANNEL = 'C0GPUEAST';
export const ML_GROUP = 'S0MLTRAIN';
export const ML_LEAD_GROUP = 'S0MLLEADS';

/** A config with one cluster and two teams; `ml` escalates to a second level, `infra` does not. */
export function testConfig(overrides: Record<string, unknown> = {}): PitstopConfig {
  return configSchema.parse({
    clusters: [{ name: CLUSTER, vendor: 'coreweave', context: 'gpu-east', channel: CHANNEL }],
    teams: [
      { name: 'ml', userGroup: ML_GROUP, escalateTo: ML_LEAD_GROUP, namespaces: ['ml-train', 'ml-serve'] },
      { name: 'infra', userGroup: 'S0INFRA', namespaces: ['infra'] },
    ],
    alerting: { pendingAfter: '10m', escalateAfter: '30m', snoozeChoices: ['1h', '4h', '1d'] },
    ...overrides,
  });
}

export interface NodeOptions {
  gpus?: number;
  allocatableGpus?: number;
  cordoned?: boolean;
  ready?: 'True' | 'False' | 'Unknown';
  taints?: { key: string; value?: string; effect?: string }[];
  labels?: Record<string, string>;
}

/** A Node as the API serves it, read through the real view builder. */
export function node(name: string, options: NodeOptions = {}): NodeView {
  const gpus = options.gpus ?? 8;
  const allocatable = options.allocatableGpus ?? gpus;
  return toNodeView(
    {
      metadata: { name, uid: `uid-${name}`, labels: options.labels ?? {} },
      spec: {
        unschedulable: options.cordoned ?? false,
        taints: (options.taints ?? []).map((taint) => ({ key: taint.key, value: taint.value, effect: taint.effect ?? 'NoSchedule' })),
      },
      status: {
        conditions: [{ type: 'Ready', status: options.ready ?? 'True', reason: options.ready === 'False' ? 'KubeletNotReady' : 'KubeletReady' }],
        capacity: { cpu: '96', memory: '1000Gi', 'nvidia.com/gpu': String(gpus) },
        allocatable: { cpu: '95', memory: '990Gi', 'nvidia.com/gpu': String(allocatable) },
      },
    },
    CLUSTER,
  );
}

export interface PodOptions {
  namespace?: string;
  owner?: { kind: string; name: string };
  message: string;
  /** When the PodScheduled condition turned False. */
  since: string;
  gpus?: number;
  cpu?: string;
}

/** An unschedulable Pod as the API serves it, read through the real view builder. */
export function pendingPod(name: string, options: PodOptions): PodView {
  const requests: Record<string, string> = { cpu: options.cpu ?? '4' };
  if (options.gpus !== undefined) requests['nvidia.com/gpu'] = String(options.gpus);
  return toPodView(
    {
      metadata: {
        name,
        namespace: options.namespace ?? 'ml-train',
        uid: `uid-${options.namespace ?? 'ml-train'}-${name}`,
        creationTimestamp: options.since,
        ownerReferences: options.owner ? [{ kind: options.owner.kind, name: options.owner.name, controller: true, apiVersion: 'v1', uid: 'x' }] : [],
      },
      spec: { containers: [{ name: 'main', resources: { requests } }] },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: options.message, lastTransitionTime: options.since }],
      },
    },
    CLUSTER,
  );
}

/** A fleet that shows what a test puts in it; the watcher's job is tested against the Kubernetes stand-in. */
export class StaticFleet implements FleetView {
  nodeList: NodeView[] = [];
  podList: PodView[] = [];
  isSynced = true;

  clusters(): string[] {
    return [CLUSTER];
  }
  synced(): boolean {
    return this.isSynced;
  }
  nodes(): NodeView[] {
    return this.nodeList;
  }
  node(_cluster: string, name: string): NodeView | undefined {
    return this.nodeList.find((entry) => entry.name === name);
  }
  pendingPods(): PodView[] {
    return this.podList;
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

export interface TestContext extends PitstopContext {
  clock: ManualClock;
  reconcileRequests: number;
  path: string;
  close(): void;
}

/** Opens a store in a fresh temp directory, or at `path` to play a restart on the same file. */
export function testContext(options: { path?: string; fleet?: FleetView; config?: PitstopConfig; start?: string } = {}): TestContext {
  const path = options.path ?? join(mkdtempSync(join(tmpdir(), 'pitstop-alerts-')), 'pitstop.db');
  const db: Db = openStore(path);
  const context: TestContext = {
    config: options.config ?? testConfig(),
    db,
    clock: new ManualClock(options.start ?? '2026-03-02T12:00:00Z'),
    fleet: options.fleet ?? new StaticFleet(),
    log: silentLogger,
    reconcileRequests: 0,
    path,
    requestReconcile() {
      context.reconcileRequests += 1;
    },
    close() {
      db.close();
    },
  };
  return context;
}

export function removeStore(path: string): void {
  rmSync(join(path, '..'), { recursive: true, force: true });
}

/** Outbox rows, oldest first, with the payload parsed. */
export function outboxRows(db: Db): { id: number; kind: string; message_key: string; thread_key: string | null; channel: string; payload: { text: string; blocks?: unknown[]; options?: Record<string, unknown> } }[] {
  return db
    .prepare<[], { id: number; kind: string; message_key: string; thread_key: string | null; channel: string; payload: string }>(
      'SELECT id, kind, message_key, thread_key, channel, payload FROM outbox ORDER BY id',
    )
    .all()
    .map((row) => ({ ...row, payload: JSON.parse(row.payload) }));
}

/** A snapshot of a group of 31 pods blocked by 24 cordoned nodes. */
export function sampleSnapshot(podCount = 31): AlertSnapshot {
  return {
    cluster: CLUSTER,
    team: 'ml',
    cause: { key: 'unschedulable', category: 'unschedulable', text: 'node(s) were unschedulable' },
    podCount,
    since: '2026-03-02T11:00:00Z',
    namespaces: ['ml-train'],
    namespaceCount: 1,
    workloads: [{ namespace: 'ml-train', kind: 'JobSet', name: 'llm', count: podCount }],
    workloadCount: 1,
    blocking: { kind: 'cordoned', summary: '24 nodes cordoned', nodes: ['gpu-0'], nodeCount: 24, breakdown: [] },
    maintenance: null,
  };
}

/** Opens an alert for team `team` directly in the store, as the reconciler would. */
export function openTestAlert(db: Db, now: Date, team = 'ml', groupKey = `pending/${CLUSTER}/${team}/unschedulable`): Alert {
  const snapshot = { ...sampleSnapshot(), team };
  return openAlert(
    db,
    { groupKey, cluster: CLUSTER, team, cause: 'unschedulable', channel: CHANNEL, maintenanceId: null, summary: 'test', snapshot },
    now,
  );
}
