import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { listOpenAlerts } from '../src/alerts/store.js';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { createMaintenance, runLifecycleCommand } from '../src/maintenance/lifecycle.js';
import { linkToMaintenance } from '../src/maintenance/link.js';
import { toPodView } from '../src/k8s/views.js';
import {
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  lastOutboxId,
  maintContext,
  MAINTAINER,
  OWNER,
  outboxSince,
  pendingPodObject,
  removeStore,
  TestFleet,
  type MaintContext,
} from './maintenance-fixtures.js';

const T0 = '2026-03-01T00:00:00Z';
const START = at(T0, hours(1));
const END = at(T0, hours(5));
const CORDONED =
  '0/6 nodes are available: 3 node(s) were unschedulable, 3 Insufficient nvidia.com/gpu. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.';
const QUOTA =
  'pods "quota-0" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=8, used: requests.nvidia.com/gpu=64, limited: requests.nvidia.com/gpu=64';
const PENDING = `maint:MX-1:${EAST_CHANNEL}:pending`;

let ctx: MaintContext;

async function reconcileAt(time: string) {
  ctx.clock.set(time);
  const mark = lastOutboxId(ctx.db);
  await reconcileMaintenances(ctx);
  return outboxSince(ctx.db, mark);
}

beforeEach(async () => {
  ctx = maintContext({ fleet: new TestFleet(), start: T0 });
  for (const name of ['m-1', 'm-2', 'm-3']) ctx.fleet.setNode(EAST, name, { at: T0, rack: 'r1' });
  for (const name of ['o-1', 'o-2', 'o-3'])
    ctx.fleet.setNode(EAST, name, { at: T0, rack: 'r9', sku: 'NVIDIA-A100-SXM4-80GB' });
  createMaintenance(
    ctx,
    {
      title: 'Rack r1 reimage',
      kind: 'reimage',
      vendor: 'coreweave',
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { racks: ['r1'] } }],
      start: START,
      end: END,
    },
    { source: 'slack', actor: MAINTAINER },
  );
  await reconcileAt(T0);
  await reconcileAt(START);
  const time = at(START, hours(1));
  for (const name of ['m-1', 'm-2']) ctx.fleet.setNode(EAST, name, { at: time, rack: 'r1', cordoned: true });
  ctx.fleet.setNode(EAST, 'm-3', { at: time, rack: 'r1', bootId: 'boot-m-3-2', readySince: at(START, 10 * 60_000) });
  ctx.fleet.pending.set(EAST, [
    toPodView(pendingPodObject('ml-train', 'trainer-0', CORDONED, at(START, 5 * 60_000)), EAST),
    toPodView(pendingPodObject('ml-train', 'trainer-1', CORDONED, at(START, 6 * 60_000)), EAST),
    toPodView(pendingPodObject('serving', 'infer-0', CORDONED, at(START, 7 * 60_000), 4), EAST),
    toPodView(pendingPodObject('batch', 'quota-0', QUOTA, at(START, 8 * 60_000)), EAST),
  ]);
});

afterEach(() => removeStore(ctx));

describe('link to maintenance', () => {
  it('links blocking nodes in scope during the window', async () => {
    await reconcileAt(at(START, hours(1)));
    expect(linkToMaintenance(ctx, EAST, ['m-1', 'm-2', 'o-1'])).toEqual({
      maintenanceId: 'MX-1',
      title: 'Rack r1 reimage',
      inWindow: true,
      nodesInScope: ['m-1', 'm-2'],
      stillCordoned: 2,
      validated: 0,
    });
  });

  it('names the maintenance after the window', async () => {
    await reconcileAt(at(START, hours(1)));
    await reconcileAt(END);
    expect(linkToMaintenance(ctx, EAST, ['m-1', 'm-3'])).toMatchObject({
      inWindow: false,
      nodesInScope: ['m-1', 'm-3'],
      stillCordoned: 1,
      validated: 1,
    });
  });

  it('returns null without a match', async () => {
    await reconcileAt(at(START, hours(1)));
    expect(linkToMaintenance(ctx, EAST, ['o-1', 'o-2'])).toBeNull();
    expect(linkToMaintenance(ctx, EAST, [])).toBeNull();
    expect(linkToMaintenance(ctx, 'gpu-west', ['m-1'])).toBeNull();
    runLifecycleCommand(ctx, 'cancel', 'MX-1', MAINTAINER);
    expect(linkToMaintenance(ctx, EAST, ['m-1'])).toBeNull();
  });
});

describe('pending pods in the maintenance thread', () => {
  it('summarises pods held by cordons', async () => {
    const rows = await reconcileAt(at(START, hours(1)));
    const pending = rows.find((row) => row.message_key === PENDING)!;
    expect(pending.kind).toBe('reply');
    expect(pending.payload.text).toBe('MX-1: 3 pods pending because of its nodes.');
    const text = JSON.stringify(pending.payload.blocks);
    expect(text).toContain('requesting 20 GPUs');
    expect(text).toContain('*ml* 2 (16 GPUs)');
    expect(text).toContain('*serving* 1 (4 GPUs)');
    expect(text).toContain('cordoned nodes 3');
    expect(text).not.toContain('quota-0');
    expect(text).toContain('Expected while the window is open');
  });

  it('updates in place and hands over at the window end', async () => {
    await reconcileAt(at(START, hours(1)));
    ctx.fleet.pending.set(EAST, ctx.fleet.pendingPods(EAST).slice(1));
    const updated = await reconcileAt(at(START, hours(2)));
    const update = updated.find((row) => row.message_key === PENDING)!;
    expect(update.kind).toBe('update');
    expect(update.payload.text).toBe('MX-1: 2 pods pending because of its nodes.');
    const ended = await reconcileAt(END);
    const final = ended.find((row) => row.message_key === PENDING)!;
    expect(JSON.stringify(final.payload.blocks)).toContain('The window has ended');
    ctx.fleet.pending.set(EAST, []);
    const after = await reconcileAt(at(END, hours(1)));
    expect(after.find((row) => row.message_key === PENDING)).toBeUndefined();
  });

  it('posts nothing while no pod waits on the maintenance', async () => {
    ctx.fleet.pending.set(EAST, []);
    const rows = await reconcileAt(at(START, hours(1)));
    expect(rows.find((row) => row.message_key === PENDING)).toBeUndefined();
  });
});

describe('alerts during the window', () => {
  it('hold a cause no node shows any more', async () => {
    const time = at(START, hours(2));
    for (const name of ['m-1', 'm-2']) ctx.fleet.setNode(EAST, name, { at: time, rack: 'r1' });
    await reconcileAt(time);
    reconcileAlerts(ctx);
    const causes = listOpenAlerts(ctx.db, EAST).map((alert) => alert.cause);
    expect(causes.some((cause) => cause.startsWith('unschedulable'))).toBe(false);
    expect(causes.some((cause) => cause.startsWith('quota'))).toBe(true);
  });

  it('raise the same stale cause after the window', async () => {
    for (const name of ['m-1', 'm-2']) ctx.fleet.setNode(EAST, name, { at: END, rack: 'r1' });
    await reconcileAt(at(END, hours(1)));
    reconcileAlerts(ctx);
    const causes = listOpenAlerts(ctx.db, EAST).map((alert) => alert.cause);
    expect(causes.some((cause) => cause.startsWith('unschedulable'))).toBe(true);
  });
});
