import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../clock.js';
import { configSchema, type PitstopConfig } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { toNodeView, toPodView, type NodeView, type PodView } from '../k8s/views.js';
import { silentLogger } from '../log.js';
import type { Maintenance, MaintenanceNode, NodeRecoveryState } from '../maintenance/model.js';
import { insertMaintenance, saveNode } from '../maintenance/store.js';
import { openStore } from '../store/db.js';
import { BENCH_NOW, gpuNodeObject, nodeName, planNodeStates, type NodeState } from './fixture-nodes.js';
import { BENCH_TEAMS, countNodeStates, pendingPodObjects, planWorkloads, type PendingWorkload } from './fixture-pods.js';
import { BenchFleet } from './fleet-view.js';

export const BENCH_CLUSTER = 'gpu-east';
export const BENCH_CHANNEL = 'C0GPUEAST';
const MAINTENANCE_ID = 'MX-7';

/** A fleet of one cluster after a maintenance, with its pending pods read through the real view builders. */
export interface AlertFleet {
  nodes: NodeView[];
  states: NodeState[];
  workloads: PendingWorkload[];
  pods: PodView[];
}

/**
 * Builds `nodeCount` nodes (24% still cordoned after the maintenance, 8% with a GPU health taint, 4% unreachable,
 * 4% short of a GPU) and `podCount` pending pods whose scheduler messages count those nodes.
 */
export function buildAlertFleet(nodeCount: number, podCount: number): AlertFleet {
  const states = planNodeStates(nodeCount, {
    cordoned: Math.round(nodeCount * 0.24),
    'gpu-health-taint': Math.round(nodeCount * 0.08),
    'not-ready': Math.round(nodeCount * 0.04),
    'gpu-short': Math.round(nodeCount * 0.04),
  });
  const nodes = states.map((state, index) => toNodeView(gpuNodeObject(index, state), BENCH_CLUSTER));
  const workloads = planWorkloads(podCount);
  const pods = pendingPodObjects(workloads, countNodeStates(states)).map((pod) => toPodView(pod, BENCH_CLUSTER));
  return { nodes, states, workloads, pods };
}

export function benchConfig(): PitstopConfig {
  return configSchema.parse({
    clusters: [{ name: BENCH_CLUSTER, vendor: 'coreweave', context: BENCH_CLUSTER, channel: BENCH_CHANNEL }],
    teams: BENCH_TEAMS.map((team) => ({ ...team, namespaces: [...team.namespaces] })),
  });
}

function minutesBefore(minutes: number): string {
  return new Date(BENCH_NOW.getTime() - minutes * 60_000).toISOString();
}

function completedMaintenance(): Maintenance {
  return {
    id: MAINTENANCE_ID,
    seq: 7,
    title: 'NIC firmware update for a security advisory',
    kind: 'firmware',
    vendor: 'coreweave',
    owner: 'U0FLEETOPS',
    clusters: [{ cluster: BENCH_CLUSTER, scope: { all: true } }],
    windowStart: minutesBefore(360),
    windowEnd: minutesBefore(120),
    requiresReboot: true,
    state: 'completed',
    source: 'config',
    externalKey: null,
    createdBy: 'U0FLEETOPS',
    createdAt: minutesBefore(2000),
    updatedAt: minutesBefore(60),
    startedAt: minutesBefore(360),
    endedAt: minutesBefore(120),
    closedAt: minutesBefore(60),
    closedBy: 'U0FLEETOPS',
  };
}

/** Recovery state the maintenance recorded for a node in each state; most cordoned nodes passed validation. */
function recoveryOf(state: NodeState, index: number): NodeRecoveryState {
  if (state === 'cordoned') return index % 6 === 0 ? 'returned' : 'validated';
  if (state === 'not-ready') return 'down';
  if (state === 'healthy') return 'validated';
  return 'failed';
}

function verdictOf(recovery: NodeRecoveryState): MaintenanceNode['verdict'] {
  if (recovery === 'validated') return 'ready';
  if (recovery === 'failed') return 'not_ready';
  return null;
}

function trackedNode(index: number, state: NodeState): MaintenanceNode {
  const recovery = recoveryOf(state, index);
  return {
    maintenanceId: MAINTENANCE_ID,
    cluster: BENCH_CLUSTER,
    node: nodeName(index),
    state: recovery,
    stateSince: minutesBefore(100),
    snapshot: null,
    snapshotAt: minutesBefore(370),
    cordonedBefore: false,
    bootIdBefore: `boot-${nodeName(index)}-before`,
    cordoned: state === 'cordoned',
    touched: true,
    gpusExpected: 8,
    gpusAllocatable: state === 'gpu-short' ? 7 : 8,
    sku: 'H100',
    rack: null,
    vendor: 'coreweave',
    instanceId: null,
    teams: [],
    verdict: verdictOf(recovery),
    checks: [],
    failingCheck: null,
    failingSince: null,
    reasons: [],
    holds: [],
    present: true,
    downAt: state === 'not-ready' ? minutesBefore(40) : null,
    returnedAt: state === 'not-ready' ? null : minutesBefore(110),
    validatedAt: recovery === 'validated' ? minutesBefore(100) : null,
    uncordonedBy: null,
    uncordonedAt: null,
    updatedAt: minutesBefore(100),
  };
}

export interface AlertBenchContext extends PitstopContext {
  clock: ManualClock;
  fleet: BenchFleet;
  /** Closes the store and deletes its directory. */
  dispose(): void;
}

/**
 * Opens a fresh store in a temp directory, records the completed maintenance that tracked every node, and returns a
 * context whose fleet shows `fleet`.
 */
export function openAlertContext(fleet: AlertFleet, config: PitstopConfig): AlertBenchContext {
  const dir = mkdtempSync(join(tmpdir(), 'pitstop-bench-alerts-'));
  const db = openStore(join(dir, 'pitstop.db'));
  db.transaction(() => {
    insertMaintenance(db, completedMaintenance());
    fleet.states.forEach((state, index) => saveNode(db, trackedNode(index, state)));
  })();
  const view = new BenchFleet(BENCH_CLUSTER, fleet.nodes);
  view.pods = fleet.pods;
  return {
    config,
    db,
    clock: new ManualClock(BENCH_NOW),
    fleet: view,
    log: silentLogger,
    requestReconcile: () => undefined,
    dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
