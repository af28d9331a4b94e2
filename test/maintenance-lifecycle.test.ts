import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { syncConfiguredMaintenances } from '../src/maintenance/lifecycle.js';
import { getMaintenance, getOverdue, listNodes } from '../src/maintenance/store.js';
import { readTimeline } from '../src/store/outbox.js';
import {
  A100,
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  lastOutboxId,
  maintConfig,
  maintContext,
  ML_GROUP,
  OWNER,
  outboxSince,
  removeStore,
  runningPod,
  SERVE_GROUP,
  TestFleet,
  type MaintContext,
} from './maintenance-fixtures.js';

const T0 = '2026-03-01T00:00:00Z';
const START = at(T0, hours(48));
const END = at(T0, hours(52));
const THREAD = `maint:MX-12:${EAST_CHANNEL}:thread`;
const RECOVERY = `maint:MX-12:${EAST_CHANNEL}:recovery`;

const config = maintConfig({
  maintenance: {
    announceBefore: ['24h', '1h'],
    maintenances: [
      {
        id: 'MX-12',
        title: 'NIC firmware security patch',
        kind: 'firmware',
        vendor: 'coreweave',
        owner: OWNER,
        clusters: [{ cluster: EAST, scope: { gpuProducts: ['NVIDIA-H100-80GB-HBM3'] } }],
        start: START,
        end: END,
      },
    ],
  },
});

let ctx: MaintContext;
let mark = 0;

/** Runs a reconcile at `time` and returns what it enqueued. */
async function reconcileAt(time: string) {
  ctx.clock.set(time);
  mark = lastOutboxId(ctx.db);
  await reconcileMaintenances(ctx);
  return outboxSince(ctx.db, mark);
}

function setNode(
  name: string,
  rack: string,
  time: string,
  extra: Partial<Parameters<TestFleet['setNode']>[2]> = {},
): void {
  ctx.fleet.setNode(EAST, name, { at: time, rack, ...extra });
}

function nodeStates(): Record<string, string> {
  return Object.fromEntries(listNodes(ctx.db, 'MX-12').map((node) => [node.node, node.state]));
}

beforeAll(() => {
  const fleet = new TestFleet();
  ctx = maintContext({ config, fleet, start: T0 });
  for (const [name, rack] of [
    ['h-1', 'r1'],
    ['h-2', 'r1'],
    ['h-3', 'r2'],
    ['h-4', 'r2'],
  ] as const)
    setNode(name, rack, T0);
  fleet.setNode(EAST, 'a-1', { at: T0, rack: 'r1', sku: A100 });
  fleet.running.set(EAST, [
    runningPod(EAST, 'ml-train', 'trainer-0', 'h-1', { gpus: 8 }),
    runningPod(EAST, 'serving', 'infer-0', 'h-3', { gpus: 4 }),
    runningPod(EAST, 'kube-system', 'node-exporter-0', 'h-1', { daemonSet: true }),
    runningPod(EAST, 'batch', 'job-0', 'h-4', { gpus: 2 }),
  ]);
});

afterAll(() => removeStore(ctx));

describe('maintenance lifecycle', () => {
  it('syncs the configured maintenance once', () => {
    expect(syncConfiguredMaintenances(ctx)).toEqual({ created: ['MX-12'], updated: [], unchanged: [] });
    expect(syncConfiguredMaintenances(ctx)).toEqual({ created: [], updated: [], unchanged: ['MX-12'] });
    expect(getMaintenance(ctx.db, 'MX-12')?.state).toBe('scheduled');
  });

  it('snapshots nodes before announcing', async () => {
    expect(await reconcileAt(T0)).toEqual([]);
    const nodes = listNodes(ctx.db, 'MX-12');
    expect(nodes.map((node) => node.node)).toEqual(['h-1', 'h-2', 'h-3', 'h-4']);
    expect(nodes.every((node) => node.state === 'scheduled' && node.snapshot !== null)).toBe(true);
    expect(nodes[0]!.bootIdBefore).toBe('boot-h-1-1');
  });

  it('announces 24h ahead with the blast radius', async () => {
    const rows = await reconcileAt(at(START, -hours(24)));
    expect(rows.map((row) => [row.kind, row.message_key])).toEqual([['post', THREAD]]);
    const blocks = JSON.stringify(rows[0]!.payload.blocks);
    expect(rows[0]!.payload.text).toBe(
      'MX-12 NIC firmware security patch: announced, window 2026-03-03T00:00:00.000Z to 2026-03-03T04:00:00.000Z. 4 nodes, 32 GPUs.',
    );
    expect(blocks).toContain('4 nodes, 32 GPUs');
    expect(blocks).toContain('NVIDIA-H100-80GB-HBM3: 32 GPUs on 4 nodes');
    expect(blocks).toContain('2 racks: r1, r2');
    expect(blocks).toContain(`<!subteam^${ML_GROUP}> (1 pod, 8 GPUs)`);
    expect(blocks).toContain(`<!subteam^${SERVE_GROUP}> (1 pod, 4 GPUs)`);
    expect(blocks).toContain('*namespace batch* (1 pod, 2 GPUs)');
    expect(blocks).not.toContain('kube-system');
    expect(getMaintenance(ctx.db, 'MX-12')?.state).toBe('announced');
    expect(listNodes(ctx.db, 'MX-12').find((node) => node.node === 'h-1')?.teams).toEqual(['ml']);
  });

  it('enqueues nothing when reconciled again', async () => {
    expect(await reconcileAt(at(START, -hours(24)))).toEqual([]);
    expect(await reconcileAt(at(START, -hours(20)))).toEqual([]);
  });

  it('replies 1h ahead in the thread without mentioning again', async () => {
    const rows = await reconcileAt(at(START, -hours(1)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'reply',
      message_key: `maint:MX-12:${EAST_CHANNEL}:stage:lead:1h`,
      thread_key: THREAD,
    });
    expect(rows[0]!.payload.options).toEqual({ reply_broadcast: true });
    expect(rows[0]!.payload.text).toContain('starts in 1h');
    expect(JSON.stringify(rows[0]!.payload.blocks)).not.toContain('<!subteam^');
  });

  it('starts at the window start and posts the recovery message', async () => {
    // The nodes were drained before the start, so the start's blast radius finds no workloads on them.
    ctx.fleet.running.set(EAST, []);
    const rows = await reconcileAt(START);
    expect(getMaintenance(ctx.db, 'MX-12')).toMatchObject({ state: 'in_progress', startedAt: START });
    expect(rows.map((row) => [row.kind, row.message_key])).toEqual([
      ['reply', `maint:MX-12:${EAST_CHANNEL}:stage:start`],
      ['update', THREAD],
      ['reply', RECOVERY],
    ]);
    expect(rows[2]!.payload.text).toBe(
      'MX-12 recovery: 0/4 nodes validated, 0/32 GPUs back, 4 nodes in the long tail.',
    );
    expect(JSON.stringify(rows[0]!.payload.blocks)).toContain('No team workloads run on these nodes now.');
    expect(listNodes(ctx.db, 'MX-12').find((node) => node.node === 'h-3')?.teams).toEqual(['serving']);
  });

  it('tracks cordoned and down nodes', async () => {
    const time = at(START, hours(1));
    setNode('h-1', 'r1', time, { cordoned: true });
    setNode('h-2', 'r1', time, { ready: 'False', readySince: time });
    const rows = await reconcileAt(time);
    expect(nodeStates()).toEqual({ 'h-1': 'draining', 'h-2': 'down', 'h-3': 'scheduled', 'h-4': 'scheduled' });
    expect(rows.map((row) => [row.kind, row.message_key])).toEqual([['update', RECOVERY]]);
    const blocks = JSON.stringify(rows[0]!.payload.blocks);
    expect(blocks).toContain('Down (not Ready)');
    expect(blocks).toContain('Cordoned for the maintenance, not back yet');
    const timeline = readTimeline(ctx.db, 'maintenance_node', `MX-12/${EAST}/h-2`);
    expect(timeline.map((entry) => entry.action)).toEqual(['scheduled', 'down']);
    expect(timeline[1]!.at).toBe(time);
  });

  it('validates nodes that rebooted after the soak', async () => {
    const back = at(START, hours(2));
    setNode('h-1', 'r1', back, { bootId: 'boot-h-1-2', readySince: back });
    setNode('h-2', 'r1', back, { bootId: 'boot-h-2-2', readySince: back });
    await reconcileAt(back);
    expect(nodeStates()).toMatchObject({ 'h-1': 'returned', 'h-2': 'returned' });
    const soaked = at(back, 11 * 60_000);
    setNode('h-1', 'r1', soaked, { bootId: 'boot-h-1-2', readySince: back });
    setNode('h-2', 'r1', soaked, { bootId: 'boot-h-2-2', readySince: back });
    const rows = await reconcileAt(soaked);
    expect(nodeStates()).toEqual({ 'h-1': 'validated', 'h-2': 'validated', 'h-3': 'scheduled', 'h-4': 'scheduled' });
    expect(rows.at(-1)!.payload.text).toBe(
      'MX-12 recovery: 2/4 nodes validated, 16/32 GPUs back, 2 nodes in the long tail.',
    );
  });

  it('recovers at the window end and escalates to the owner', async () => {
    const rows = await reconcileAt(END);
    expect(getMaintenance(ctx.db, 'MX-12')).toMatchObject({ state: 'recovering', endedAt: END });
    const keys = rows.map((row) => row.message_key);
    expect(keys).toContain(`maint:MX-12:${EAST_CHANNEL}:stage:end`);
    const end = rows.find((row) => row.message_key.endsWith(':stage:end'))!;
    expect(JSON.stringify(end.payload.blocks)).toContain('2 of 4 nodes validated');
    const overdue = rows.find((row) => row.message_key.includes(':overdue:'))!;
    expect(overdue.payload.text).toContain(`2 nodes of MX-12 not back 0s after the window ended. <@${OWNER}>`);
    const recovery = rows.filter((row) => row.message_key === RECOVERY).at(-1)!;
    const actions = JSON.stringify(recovery.payload.blocks);
    expect(actions).toContain('maintenance_acknowledge');
    expect(actions).toContain('Escalate to level 2');
    expect(actions).toContain('maintenance_snooze');
    expect(getOverdue(ctx.db, 'MX-12')).toMatchObject({ state: 'open', level: 1 });
  });

  it('escalates to teams when unacknowledged', async () => {
    expect(await reconcileAt(at(END, 29 * 60_000))).toEqual([]);
    const rows = await reconcileAt(at(END, 30 * 60_000));
    const overdue = rows.find((row) => row.message_key.includes(':overdue:'))!;
    expect(overdue.payload.text).toContain('Escalation level 2');
    expect(overdue.payload.text).toContain(`<!subteam^${SERVE_GROUP}>`);
    expect(overdue.payload.text).not.toContain(`<!subteam^${ML_GROUP}>`);
    expect(overdue.payload.text).toContain('no one to mention for namespace batch');
    expect(getOverdue(ctx.db, 'MX-12')).toMatchObject({ state: 'open', level: 2 });
  });

  it('completes once every node is validated', async () => {
    const back = at(END, hours(1));
    setNode('h-3', 'r2', back, { bootId: 'boot-h-3-2', readySince: back });
    setNode('h-4', 'r2', back, { bootId: 'boot-h-4-2', readySince: back });
    await reconcileAt(back);
    const done = at(back, 15 * 60_000);
    setNode('h-3', 'r2', done, { bootId: 'boot-h-3-2', readySince: back });
    setNode('h-4', 'r2', done, { bootId: 'boot-h-4-2', readySince: back });
    const rows = await reconcileAt(done);
    expect(getMaintenance(ctx.db, 'MX-12')).toMatchObject({ state: 'completed', closedBy: 'pitstop' });
    const completed = rows.find((row) => row.message_key.endsWith(':stage:completed'))!;
    expect(JSON.stringify(completed.payload.blocks)).toContain('4 of 4 nodes validated');
    expect(getOverdue(ctx.db, 'MX-12')?.state).toBe('resolved');
    const recovery = rows.filter((row) => row.message_key === RECOVERY).at(-1)!;
    expect(recovery.payload.text).toBe('MX-12 recovery: 4/4 nodes validated, 32/32 GPUs back.');
    expect(JSON.stringify(recovery.payload.blocks)).not.toContain('maintenance_acknowledge');
    expect(await reconcileAt(at(done, hours(1)))).toEqual([]);
  });

  it('records every step on the timeline', () => {
    const timeline = readTimeline(ctx.db, 'maintenance', 'MX-12');
    // Level 3 came at END+1h: the last two nodes were back but still soaking, so still not validated.
    expect(timeline.map((entry) => entry.action)).toEqual([
      'created',
      'announced',
      'in_progress',
      'recovering',
      'overdue_opened',
      'overdue_escalated',
      'overdue_escalated',
      'completed',
      'overdue_resolved',
    ]);
    expect(timeline.filter((entry) => entry.action === 'overdue_escalated').map((entry) => entry.detail)).toEqual([
      { level: 2 },
      { level: 3 },
    ]);
  });
});
