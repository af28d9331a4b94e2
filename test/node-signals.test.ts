import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { configSchema } from '../src/config/schema.js';
import type { PitstopContext } from '../src/context.js';
import { RULES } from '../src/jobs/index.js';
import { nodeSignalOrigin, reconcileNodeSignals } from '../src/jobs/node-signals.js';
import { createFleetWatch, type FleetWatch } from '../src/k8s/watch.js';
import { silentLogger } from '../src/log.js';
import { getMaintenance, listMaintenances } from '../src/maintenance/store.js';
import { startKubeStandIn, type KubeObject, type KubeStandIn } from '../src/standins/kube-api.js';
import { openStore } from '../src/store/db.js';
import { listNotices, type NoticeRecord } from '../src/vendors/intake.js';

const GKE = 'gke-gpu';
const AKS = 'aks-gpu';
const EKS = 'eks-gpu';
const MAINTENANCE_TIME = 'cloud.google.com/scheduled-maintenance-time';
const EVENT_GUID = '5f2bd2d1-6e8f-4a4f-9a7e-0c7f1e3b8a11';

function node(name: string, labels: Record<string, string> = {}, conditions: Record<string, unknown>[] = []): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: {},
    status: {
      allocatable: { 'nvidia.com/gpu': '8' },
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-02-01T00:00:00Z' }, ...conditions],
    },
  };
}

function epochSeconds(iso: string): string {
  return String(Date.parse(iso) / 1000);
}

function gkeNode(index: number, start: string | null): KubeObject {
  return node(`gke-gpu-pool-${String(index).padStart(3, '0')}`, start === null ? {} : { [MAINTENANCE_TIME]: epochSeconds(start) });
}

function vmEventCondition(message: string, status = 'True'): Record<string, unknown> {
  return { type: 'VMEventScheduled', status, reason: 'VMEventScheduled', message };
}

interface Harness {
  ctx: PitstopContext;
  clock: ManualClock;
  watch: FleetWatch;
  standIns: Record<string, KubeStandIn>;
  dir: string;
}

let harness: Harness;

async function apply(cluster: string, objects: KubeObject[]): Promise<void> {
  const version = harness.standIns[cluster]!.apply({ kind: 'List', items: objects });
  await harness.watch.caughtUp(cluster, version);
}

function noticesOf(cluster: string): NoticeRecord[] {
  return listNotices(harness.ctx.db)
    .filter((notice) => notice.origin === nodeSignalOrigin(cluster))
    .sort((left, right) => left.id - right.id);
}

beforeEach(async () => {
  const standIns: Record<string, KubeStandIn> = {};
  for (const cluster of [GKE, AKS, EKS]) standIns[cluster] = await startKubeStandIn();
  const watch = createFleetWatch({
    clusters: [GKE, AKS, EKS].map((name) => ({ name, kubeConfig: standIns[name]!.kubeConfig(name) })),
    gpuOperatorNamespace: 'gpu-operator',
    log: silentLogger,
    backoff: { initialMs: 20, maxMs: 100 },
    coalesceMs: 5,
    syncTimeoutMs: 5000,
  });
  await watch.start();
  const dir = mkdtempSync(join(tmpdir(), 'pitstop-signals-'));
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const config = configSchema.parse({
    clusters: [
      { name: GKE, vendor: 'gcp', context: GKE, channel: 'C0GKE' },
      { name: AKS, vendor: 'azure', context: AKS, channel: 'C0AKS' },
      { name: EKS, vendor: 'aws', context: EKS, channel: 'C0EKS' },
    ],
  });
  const ctx: PitstopContext = {
    config,
    db: openStore(join(dir, 'pitstop.db')),
    clock,
    fleet: watch,
    log: silentLogger,
    requestReconcile: () => {},
  };
  harness = { ctx, clock, watch, standIns, dir };
});

afterEach(async () => {
  await harness.watch.stop();
  for (const standIn of Object.values(harness.standIns)) await standIn.close();
  harness.ctx.db.close();
  rmSync(harness.dir, { recursive: true, force: true });
});

describe('reconcileNodeSignals', () => {
  it('is registered before the maintenance rule', () => {
    const names = RULES.map((rule) => rule.name);
    expect(names).toContain('node-signals');
    expect(names.indexOf('node-signals')).toBeLessThan(names.indexOf('maintenances'));
  });

  it('groups a GKE window into one maintenance', async () => {
    const start = '2026-03-10T02:00:00Z';
    await apply(GKE, [...Array.from({ length: 100 }, (_, index) => gkeNode(index, start)), gkeNode(100, null)]);
    reconcileNodeSignals(harness.ctx);

    const maintenances = listMaintenances(harness.ctx.db);
    expect(maintenances).toHaveLength(1);
    const maintenance = maintenances[0]!;
    expect(maintenance.source).toBe('notice');
    expect(maintenance.vendor).toBe('gcp');
    expect(maintenance.windowStart).toBe('2026-03-10T02:00:00.000Z');
    // The label gives no end, so the assumed one-hour window applies.
    expect(maintenance.windowEnd).toBe('2026-03-10T03:00:00.000Z');
    expect(maintenance.clusters).toHaveLength(1);
    expect(maintenance.clusters[0]!.cluster).toBe(GKE);
    const scope = maintenance.clusters[0]!.scope.nodes!;
    expect(scope).toHaveLength(100);
    expect(scope).not.toContain('gke-gpu-pool-100');
    expect(maintenance.externalKey).toBe(`notice:gcp:node-signal:${GKE}:unknown:2026-03-10t02:00:00z`);

    const notices = noticesOf(GKE);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.status).toBe('matched');
    expect(notices[0]!.events).toHaveLength(1);
    expect(notices[0]!.maintenanceId).toBe(maintenance.id);
  });

  it('stores nothing on an unchanged pass', async () => {
    await apply(GKE, [gkeNode(1, '2026-03-10T02:00:00Z'), gkeNode(2, '2026-03-10T02:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    const before = listMaintenances(harness.ctx.db);
    harness.clock.advance(60_000);
    reconcileNodeSignals(harness.ctx);
    expect(noticesOf(GKE)).toHaveLength(1);
    expect(listMaintenances(harness.ctx.db)).toEqual(before);
  });

  it('stores nothing for a fleet without signals', async () => {
    await apply(GKE, [gkeNode(1, null)]);
    reconcileNodeSignals(harness.ctx);
    expect(listNotices(harness.ctx.db)).toEqual([]);
  });

  it('keeps separate windows apart', async () => {
    await apply(GKE, [
      gkeNode(1, '2026-03-10T02:00:00Z'),
      gkeNode(2, '2026-03-10T02:00:00Z'),
      gkeNode(3, '2026-03-12T02:00:00Z'),
    ]);
    reconcileNodeSignals(harness.ctx);
    const scopes = listMaintenances(harness.ctx.db)
      .map((maintenance) => maintenance.clusters[0]!.scope.nodes)
      .sort((left, right) => left!.length - right!.length);
    expect(scopes).toEqual([['gke-gpu-pool-003'], ['gke-gpu-pool-001', 'gke-gpu-pool-002']]);
  });

  it('moves the window when the label time changes', async () => {
    await apply(GKE, [gkeNode(1, '2026-03-10T02:00:00Z'), gkeNode(2, '2026-03-10T02:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    const id = listMaintenances(harness.ctx.db)[0]!.id;

    await apply(GKE, [gkeNode(1, '2026-03-11T05:00:00Z'), gkeNode(2, '2026-03-11T05:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    expect(listMaintenances(harness.ctx.db).map((maintenance) => maintenance.id)).toEqual([id]);
    const moved = getMaintenance(harness.ctx.db, id)!;
    expect(moved.windowStart).toBe('2026-03-11T05:00:00.000Z');
    expect(moved.windowEnd).toBe('2026-03-11T06:00:00.000Z');
    const notices = noticesOf(GKE);
    expect(notices).toHaveLength(2);
    expect(notices[1]!.ended).toEqual([]);
    expect(notices[1]!.events[0]!.eventId).toBe(notices[0]!.events[0]!.eventId);
  });

  it('adds nodes that join a window', async () => {
    await apply(GKE, [gkeNode(1, '2026-03-10T02:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    await apply(GKE, [gkeNode(2, '2026-03-10T02:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    const maintenances = listMaintenances(harness.ctx.db);
    expect(maintenances).toHaveLength(1);
    expect(maintenances[0]!.clusters[0]!.scope.nodes).toEqual(['gke-gpu-pool-001', 'gke-gpu-pool-002']);
    expect(maintenances[0]!.title).toBe('gcp unknown of 2 nodes');
  });

  it('records a removed label as ended', async () => {
    await apply(GKE, [gkeNode(1, '2026-03-10T02:00:00Z'), gkeNode(2, '2026-03-10T02:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    const eventId = noticesOf(GKE)[0]!.events[0]!.eventId;

    await apply(GKE, [gkeNode(1, null), gkeNode(2, null)]);
    reconcileNodeSignals(harness.ctx);
    const notices = noticesOf(GKE);
    expect(notices).toHaveLength(2);
    expect(notices[1]!.status).toBe('empty');
    expect(notices[1]!.ended).toHaveLength(1);
    expect(notices[1]!.ended[0]!.eventId).toBe(eventId);
    // It was never seen started, so it may have been cancelled rather than done.
    expect(notices[1]!.ended[0]!.status).toBe('unknown');

    reconcileNodeSignals(harness.ctx);
    expect(noticesOf(GKE)).toHaveLength(2);
  });

  it('groups AKS conditions by event id', async () => {
    const message = `Reboot Scheduled: Wed, 04 Mar 2026 10:00:00 GMT. DurationInSeconds: 300. Host update. EventId: ${EVENT_GUID}`;
    const nodes = ['aks-gpu-00000001-vmss000000', 'aks-gpu-00000001-vmss000001', 'aks-gpu-00000001-vmss000002'];
    await apply(AKS, nodes.map((name) => node(name, {}, [vmEventCondition(message)])));
    reconcileNodeSignals(harness.ctx);

    const maintenances = listMaintenances(harness.ctx.db);
    expect(maintenances).toHaveLength(1);
    expect(maintenances[0]!.vendor).toBe('azure');
    expect(maintenances[0]!.externalKey).toBe(`notice:azure:${EVENT_GUID}`);
    expect(maintenances[0]!.windowStart).toBe('2026-03-04T10:00:00.000Z');
    expect(maintenances[0]!.windowEnd).toBe('2026-03-04T10:05:00.000Z');
    expect(maintenances[0]!.clusters).toEqual([{ cluster: AKS, scope: { nodes } }]);

    reconcileNodeSignals(harness.ctx);
    expect(noticesOf(AKS)).toHaveLength(1);

    await apply(AKS, nodes.map((name) => node(name, {}, [vmEventCondition('', 'False')])));
    reconcileNodeSignals(harness.ctx);
    const notices = noticesOf(AKS);
    expect(notices).toHaveLength(2);
    expect(notices[1]!.ended.map((event) => event.eventId)).toEqual([EVENT_GUID]);
  });

  it('groups AKS conditions without an id by window', async () => {
    const message = 'Redeploy Scheduled: Thu, 05 Mar 2026 08:00:00 GMT. DurationInSeconds: 600. Host repair.';
    await apply(AKS, ['aks-a', 'aks-b'].map((name) => node(name, {}, [vmEventCondition(message)])));
    reconcileNodeSignals(harness.ctx);
    const maintenances = listMaintenances(harness.ctx.db);
    expect(maintenances).toHaveLength(1);
    expect(maintenances[0]!.clusters[0]!.scope.nodes).toEqual(['aks-a', 'aks-b']);
    expect(maintenances[0]!.windowEnd).toBe('2026-03-05T08:10:00.000Z');
  });

  it('ignores labels of another vendor', async () => {
    await apply(EKS, [gkeNode(1, '2026-03-10T02:00:00Z')]);
    await apply(AKS, [gkeNode(2, '2026-03-10T02:00:00Z')]);
    reconcileNodeSignals(harness.ctx);
    expect(listNotices(harness.ctx.db)).toEqual([]);
    expect(listMaintenances(harness.ctx.db)).toEqual([]);
  });
});
