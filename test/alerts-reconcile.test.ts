import { afterEach, describe, expect, it } from 'vitest';
import { applyAlertAction } from '../src/alerts/actions.js';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { listOpenAlerts, getAlert, formatAlertId } from '../src/alerts/store.js';
import type { Maintenance, MaintenanceNode } from '../src/maintenance/model.js';
import { insertMaintenance, saveNode } from '../src/maintenance/store.js';
import { readTimeline } from '../src/store/outbox.js';
import { CHANNEL, CLUSTER, node, outboxRows, pendingPod, removeStore, StaticFleet, testContext, type TestContext } from './alert-fixtures.js';

const MESSAGE = '0/40 nodes are available: 24 node(s) were unschedulable, 16 Insufficient nvidia.com/gpu.';
const SINCE = '2026-03-02T11:00:00Z';
const contexts: TestContext[] = [];

function fleet(podCount: number): StaticFleet {
  const fleetView = new StaticFleet();
  for (let index = 0; index < 24; index += 1) fleetView.nodeList.push(node(`gpu-${index}`, { cordoned: true }));
  for (let index = 24; index < 40; index += 1) fleetView.nodeList.push(node(`gpu-${index}`));
  setPods(fleetView, podCount);
  return fleetView;
}

function setPods(fleetView: StaticFleet, count: number): void {
  fleetView.podList = Array.from({ length: count }, (_, index) =>
    pendingPod(`trainer-${index}`, { message: MESSAGE, since: SINCE, owner: { kind: 'JobSet', name: 'llm' } }),
  );
}

function context(fleetView: StaticFleet, path?: string): TestContext {
  const created = testContext({ fleet: fleetView, ...(path === undefined ? {} : { path }) });
  contexts.push(created);
  return created;
}

afterEach(() => {
  const paths = new Set<string>();
  for (const created of contexts.splice(0)) {
    created.close();
    paths.add(created.path);
  }
  for (const path of paths) removeStore(path);
});

function maintenance(id: string, start: string, end: string): Maintenance {
  return {
    id,
    seq: Number(id.slice(3)),
    title: 'NIC firmware update',
    kind: 'firmware',
    vendor: 'coreweave',
    owner: 'fleet-team',
    clusters: [{ cluster: CLUSTER, scope: { all: true } }],
    windowStart: start,
    windowEnd: end,
    requiresReboot: true,
    state: 'in_progress',
    source: 'config',
    externalKey: null,
    createdBy: 'test',
    createdAt: start,
    updatedAt: start,
    startedAt: start,
    endedAt: null,
    closedAt: null,
    closedBy: null,
  };
}

function trackedNode(maintenanceId: string, name: string, validated: boolean): MaintenanceNode {
  return {
    maintenanceId,
    cluster: CLUSTER,
    node: name,
    state: validated ? 'validated' : 'returned',
    stateSince: SINCE,
    snapshot: null,
    snapshotAt: null,
    cordonedBefore: false,
    bootIdBefore: null,
    cordoned: true,
    touched: true,
    gpusExpected: 8,
    gpusAllocatable: 8,
    sku: null,
    rack: null,
    vendor: 'coreweave',
    instanceId: null,
    teams: [],
    verdict: validated ? 'ready' : null,
    checks: [],
    failingCheck: null,
    failingSince: null,
    reasons: [],
    holds: [],
    present: true,
    downAt: null,
    returnedAt: null,
    validatedAt: validated ? SINCE : null,
    uncordonedBy: null,
    uncordonedAt: null,
    updatedAt: SINCE,
  };
}

describe('alert reconciler', () => {
  it('opens one alert and posts it once', () => {
    const ctx = context(fleet(31));
    reconcileAlerts(ctx);
    const alerts = listOpenAlerts(ctx.db);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.groupKey).toBe(`pending/${CLUSTER}/ml/unschedulable`);
    const rows = outboxRows(ctx.db);
    expect(rows.map((row) => [row.kind, row.message_key, row.channel])).toEqual([['post', `alert:${alerts[0]!.id}`, CHANNEL]]);
    expect(rows[0]!.payload.text).toBe(`AL-${alerts[0]!.id}: 31 pods pending on ${CLUSTER} (team ml): 24 nodes cordoned`);
  });

  it('changes nothing when called twice', () => {
    const ctx = context(fleet(31));
    reconcileAlerts(ctx);
    const before = getAlert(ctx.db, listOpenAlerts(ctx.db)[0]!.id);
    const rows = outboxRows(ctx.db).length;
    ctx.clock.advance(60_000);
    reconcileAlerts(ctx);
    expect(outboxRows(ctx.db)).toHaveLength(rows);
    expect(getAlert(ctx.db, before!.id)).toEqual(before);
  });

  it('posts nothing again after a restart', () => {
    const fleetView = fleet(31);
    const first = context(fleetView);
    reconcileAlerts(first);
    const rows = outboxRows(first.db).length;
    first.close();
    contexts.splice(contexts.indexOf(first), 1);
    const second = context(fleetView, first.path);
    reconcileAlerts(second);
    expect(outboxRows(second.db)).toHaveLength(rows);
    expect(listOpenAlerts(second.db)).toHaveLength(1);
  });

  it('replies in the thread only on large count changes', () => {
    const fleetView = fleet(30);
    const ctx = context(fleetView);
    reconcileAlerts(ctx);
    const id = listOpenAlerts(ctx.db)[0]!.id;
    setPods(fleetView, 33);
    reconcileAlerts(ctx);
    let rows = outboxRows(ctx.db);
    expect(rows.map((row) => row.kind)).toEqual(['post', 'post']);
    expect(rows[1]!.payload.text).toContain('33 pods pending');
    setPods(fleetView, 36);
    reconcileAlerts(ctx);
    rows = outboxRows(ctx.db);
    expect(rows.slice(2).map((row) => [row.kind, row.message_key, row.thread_key])).toEqual([
      ['post', `alert:${id}`, null],
      ['reply', `alert:${id}:reply:1`, `alert:${id}`],
    ]);
    expect(rows[3]!.payload.text).toBe('Now 36 pods pending (up from 30).');
    const changes = readTimeline(ctx.db, 'alert', formatAlertId(id)).filter((entry) => entry.action === 'pods_changed');
    expect(changes.map((entry) => entry.detail)).toEqual([{ from: 30, to: 36 }]);
  });

  it('resolves an alert whose group emptied', () => {
    const fleetView = fleet(5);
    const ctx = context(fleetView);
    reconcileAlerts(ctx);
    const id = listOpenAlerts(ctx.db)[0]!.id;
    setPods(fleetView, 0);
    reconcileAlerts(ctx);
    expect(getAlert(ctx.db, id)?.state).toBe('resolved');
    const rows = outboxRows(ctx.db);
    const reply = rows.find((row) => row.kind === 'reply');
    expect(reply?.payload.text).toMatch(/^Resolved at .*: no pods are pending for this cause any more\.$/);
    const root = rows.filter((row) => row.message_key === `alert:${id}`).at(-1)!;
    expect(root.payload.text.startsWith(`Resolved: AL-${id}`)).toBe(true);
    reconcileAlerts(ctx);
    expect(outboxRows(ctx.db)).toHaveLength(rows.length);
  });

  it('skips a cluster that has not synced', () => {
    const fleetView = fleet(5);
    const ctx = context(fleetView);
    reconcileAlerts(ctx);
    fleetView.isSynced = false;
    setPods(fleetView, 0);
    reconcileAlerts(ctx);
    expect(listOpenAlerts(ctx.db)).toHaveLength(1);
  });

  it('keeps the acknowledgement while the group changes', () => {
    const fleetView = fleet(10);
    const ctx = context(fleetView);
    reconcileAlerts(ctx);
    const id = listOpenAlerts(ctx.db)[0]!.id;
    applyAlertAction(ctx, id, { kind: 'acknowledge' }, 'W0ANA');
    setPods(fleetView, 20);
    reconcileAlerts(ctx);
    const last = outboxRows(ctx.db).filter((row) => row.message_key === `alert:${id}`).at(-1)!;
    expect(JSON.stringify(last.payload.blocks)).toContain('Acknowledged by <@W0ANA>');
    expect(last.payload.text).toContain('20 pods pending');
  });

  it('replies when the explanation changes', () => {
    const fleetView = new StaticFleet();
    fleetView.nodeList = Array.from({ length: 4 }, (_, index) => node(`gpu-${index}`));
    fleetView.podList = [pendingPod('big', { message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.', since: SINCE, gpus: 8 })];
    const ctx = context(fleetView);
    reconcileAlerts(ctx);
    const id = listOpenAlerts(ctx.db)[0]!.id;
    expect(outboxRows(ctx.db).filter((row) => row.kind === 'reply')).toEqual([]);
    fleetView.nodeList = [node('gpu-0', { allocatableGpus: 0 }), node('gpu-1', { allocatableGpus: 0 }), node('gpu-2'), node('gpu-3')];
    reconcileAlerts(ctx);
    const replies = outboxRows(ctx.db).filter((row) => row.kind === 'reply');
    expect(replies.map((row) => row.payload.text)).toEqual(['Cause update: 2 nodes Ready with 0 allocatable nvidia.com/gpu.']);
    const changes = readTimeline(ctx.db, 'alert', formatAlertId(id)).filter((entry) => entry.action === 'cause_changed');
    expect(changes).toHaveLength(1);
  });

  it('leaves groups to a maintenance during its window', () => {
    const fleetView = fleet(12);
    const ctx = context(fleetView);
    insertMaintenance(ctx.db, maintenance('MX-12', '2026-03-02T08:00:00Z', '2026-03-02T14:00:00Z'));
    for (let index = 0; index < 24; index += 1) saveNode(ctx.db, trackedNode('MX-12', `gpu-${index}`, index < 20));
    reconcileAlerts(ctx);
    expect(listOpenAlerts(ctx.db)).toEqual([]);
    expect(outboxRows(ctx.db)).toEqual([]);
    ctx.clock.set('2026-03-02T14:30:00Z');
    reconcileAlerts(ctx);
    const [alert] = listOpenAlerts(ctx.db);
    expect(alert?.maintenanceId).toBe('MX-12');
    expect(outboxRows(ctx.db)[0]!.payload.text).toBe(
      `AL-${alert!.id}: 12 pods pending on ${CLUSTER} (team ml): 24 nodes of MX-12 still cordoned, validation passed on 20 of them`,
    );
  });
});
