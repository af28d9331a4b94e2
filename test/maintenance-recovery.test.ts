import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { createMaintenance } from '../src/maintenance/lifecycle.js';
import type { MaintenanceNode } from '../src/maintenance/model.js';
import { canUncordon } from '../src/maintenance/recovery.js';
import { getMaintenance, listNodes } from '../src/maintenance/store.js';
import { checkMessageLimits } from '../src/slack/messages/common.js';
import { longTail, recoveryMessage } from '../src/slack/messages/maintenance.js';
import { startSlackStandIn, type SlackStandIn } from '../src/standins/slack-api.js';
import {
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  lastOutboxId,
  maintContext,
  MAINTAINER,
  MAINTENANCE_TAINT,
  OWNER,
  outboxSince,
  removeStore,
  TestFleet,
  validatorPod,
  type MaintContext,
  type NodeSpec,
} from './maintenance-fixtures.js';

const T0 = '2026-03-01T00:00:00Z';
const START = at(T0, hours(1));
const END = at(T0, hours(5));
const BACK = at(END, -hours(1));
const NOW = at(END, hours(2));

let ctx: MaintContext;

function byName(): Map<string, MaintenanceNode> {
  return new Map(listNodes(ctx.db, 'MX-1').map((node) => [node.node, node]));
}

/** Puts a node into the fleet as it looks at `time`, rebooted when `rebooted` is set. */
function place(name: string, time: string, spec: Partial<NodeSpec> & { rebooted?: boolean } = {}): void {
  const { rebooted, ...rest } = spec;
  ctx.fleet.setNode(EAST, name, {
    at: time,
    rack: name.startsWith('n-1') ? 'r1' : 'r2',
    ...(rebooted ? { bootId: `boot-${name}-2`, readySince: BACK } : {}),
    ...rest,
  });
}

beforeAll(async () => {
  ctx = maintContext({ fleet: new TestFleet(), start: T0 });
  const names = ['n-10', 'n-11', 'n-12', 'n-13', 'n-20', 'n-21', 'n-22', 'n-23'];
  for (const name of names) place(name, T0, { labels: { 'nvidia.com/gpu.deploy.operator-validator': 'true' } });
  // Cordoned by another controller before the maintenance, with its mark on the node.
  place('n-23', T0, {
    cordoned: true,
    labels: { 'k8saas.nvidia.com/cordon-by': 'NVSentinel', 'nvidia.com/gpu.deploy.operator-validator': 'true' },
  });
  ctx.fleet.validators.set(
    EAST,
    names.map((name) => validatorPod(EAST, name, true)),
  );
  createMaintenance(
    ctx,
    {
      title: 'BIOS and NIC firmware',
      kind: 'firmware',
      vendor: 'coreweave',
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { all: true } }],
      start: START,
      end: END,
    },
    { source: 'slack', actor: MAINTAINER },
  );
  await reconcileMaintenances(ctx);
  ctx.clock.set(START);
  await reconcileMaintenances(ctx);
  const operandLabel = { 'nvidia.com/gpu.deploy.operator-validator': 'true' };
  place('n-10', NOW, { rebooted: true, labels: operandLabel });
  place('n-11', NOW, { rebooted: true, labels: operandLabel, taints: [{ key: MAINTENANCE_TAINT, value: 'fw' }] });
  place('n-12', NOW, { rebooted: true, labels: operandLabel, allocatable: 7 });
  place('n-13', NOW, { ready: 'Unknown', readySince: at(END, -30 * 60_000), labels: operandLabel });
  place('n-20', NOW, { rebooted: true, labels: operandLabel });
  place('n-21', NOW, { rebooted: true, labels: operandLabel, cordoned: true });
  ctx.fleet.removeNode(EAST, 'n-22');
  place('n-23', NOW, {
    rebooted: true,
    cordoned: true,
    labels: { 'k8saas.nvidia.com/cordon-by': 'NVSentinel', ...operandLabel },
  });
  ctx.fleet.validators.set(
    EAST,
    names.map((name) => validatorPod(EAST, name, name !== 'n-20')),
  );
  ctx.clock.set(NOW);
  await reconcileMaintenances(ctx);
});

afterAll(() => removeStore(ctx));

describe('recovery tracking on real-shaped nodes', () => {
  it('validates a clean return', () => {
    // Dated by the kubelet's Ready transition, not by when the tracker first saw it back.
    expect(byName().get('n-10')).toMatchObject({
      state: 'validated',
      verdict: 'ready',
      returnedAt: BACK,
      stateSince: BACK,
    });
  });

  it('names a leftover maintenance taint', () => {
    const node = byName().get('n-11')!;
    expect(node).toMatchObject({ state: 'failed', failingCheck: 'taints' });
    expect(node.reasons).toContain(`maintenance_taint:${MAINTENANCE_TAINT}`);
  });

  it('names GPUs missing from allocatable', () => {
    const node = byName().get('n-12')!;
    expect(node).toMatchObject({
      state: 'failed',
      failingCheck: 'gpu-allocatable',
      gpusExpected: 8,
      gpusAllocatable: 7,
    });
    expect(node.reasons).toContain('gpu_allocatable_short');
  });

  it('counts a NotReady node as down since it went down', () => {
    const node = byName().get('n-13')!;
    expect(node).toMatchObject({ state: 'down', failingCheck: 'ready', downAt: at(END, -30 * 60_000) });
    expect(node.checks.find((check) => check.name === 'ready')?.evidence).toContain('Ready=Unknown');
  });

  it('names a failing GPU operator validator', () => {
    const node = byName().get('n-20')!;
    expect(node).toMatchObject({ state: 'failed', failingCheck: 'gpu-operator' });
    expect(node.reasons).toContain('validator_not_ready');
  });

  it('offers uncordon only for the maintenance-owned cordon', () => {
    const nodes = byName();
    expect(canUncordon(nodes.get('n-21')!)).toBe(true);
    expect(nodes.get('n-23')!.cordonedBefore).toBe(true);
    expect(nodes.get('n-23')!.holds.length).toBeGreaterThan(0);
    expect(canUncordon(nodes.get('n-23')!)).toBe(false);
    expect(canUncordon(nodes.get('n-11')!)).toBe(false);
  });

  it('keeps tracking a node that left the cluster', () => {
    expect(byName().get('n-22')).toMatchObject({ state: 'down', present: false, reasons: ['node_missing'] });
  });

  it('renders the long tail by cause', () => {
    const rows = outboxSince(ctx.db).filter((row) => row.message_key === `maint:MX-1:${EAST_CHANNEL}:recovery`);
    const message = rows.at(-1)!.payload;
    expect(checkMessageLimits(message as { text: string; blocks?: unknown[] })).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Check `taints` fails* (1 node)');
    expect(text).toContain('Check `gpu-allocatable` fails* (1 node)');
    expect(text).toContain('Check `gpu-operator` fails* (1 node)');
    expect(text).toContain('Down (not Ready)* (1 node)');
    expect(text).toContain('Not in the cluster* (1 node)');
    expect(text).toContain('Validated except the cordon: ready to uncordon* (1 node)');
    expect(text).toMatch(
      /`n-12` · r1 · NVIDIA-H100-80GB-HBM3 · coreweave n-12-instance · since <!date\^\d+\^\{ago\}\|2026-03-01T07:00:00Z> — nvidia.com\/gpu allocatable 7/,
    );
    expect(text).toContain('Uncordon validated nodes (1)');
    expect(message.text).toBe('MX-1 recovery: 1/8 nodes validated, 8/64 GPUs back, 7 nodes in the long tail.');
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('recovering');
  });

  it('enqueues nothing when nothing changed', async () => {
    const mark = lastOutboxId(ctx.db);
    await reconcileMaintenances(ctx);
    expect(outboxSince(ctx.db, mark)).toEqual([]);
  });
});

function stuckNode(index: number): MaintenanceNode {
  const causes = [
    {
      state: 'failed',
      failingCheck: 'gpu-allocatable',
      evidence: 'nvidia.com/gpu allocatable 7, was 8 before the maintenance',
    },
    {
      state: 'failed',
      failingCheck: 'taints',
      evidence: `${MAINTENANCE_TAINT}=fw:NoSchedule is a maintenance taint that is still set`,
    },
    {
      state: 'down',
      failingCheck: 'ready',
      evidence: 'Ready=Unknown since 2026-03-01T04:30:00Z (NodeStatusUnknown: Kubelet stopped posting node status.)',
    },
    {
      state: 'returned',
      failingCheck: 'soak',
      evidence: 'Ready for 4m since 2026-03-01T06:56:00Z; the soak of 10m ends in 6m.',
    },
    {
      state: 'failed',
      failingCheck: 'gpu-operator',
      evidence: 'nvidia-operator-validator-x is Init:0/4 (driver-validation waiting: CrashLoopBackOff)',
    },
  ] as const;
  const cause = causes[index % causes.length]!;
  return {
    maintenanceId: 'MX-9',
    cluster: EAST,
    node: `gpu-a${String(index).padStart(4, '0')}-long-hostname.cluster.internal`,
    state: cause.state,
    stateSince: at(T0, index * 60_000),
    snapshot: null,
    snapshotAt: null,
    cordonedBefore: false,
    bootIdBefore: null,
    cordoned: false,
    touched: true,
    gpusExpected: 8,
    gpusAllocatable: 7,
    sku: 'NVIDIA-H100-80GB-HBM3',
    rack: `rack-${index % 40}`,
    vendor: 'coreweave',
    instanceId: `i-${String(index).padStart(17, '0')}`,
    teams: [],
    verdict: 'not_ready',
    checks: [{ name: cause.failingCheck, result: 'fail', evidence: cause.evidence, reasons: ['x'] }],
    failingCheck: cause.failingCheck,
    failingSince: at(T0, index * 60_000),
    reasons: ['x'],
    holds: [],
    present: true,
    downAt: null,
    returnedAt: null,
    validatedAt: null,
    uncordonedBy: null,
    uncordonedAt: null,
    updatedAt: T0,
  };
}

describe('recovery message size', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlackStandIn({ botToken: 'xoxb-recovery', channels: [{ id: EAST_CHANNEL, name: 'gpu-east' }] });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('fits a long tail of 500 nodes in one valid message', async () => {
    const maintenance = { ...getMaintenance(ctx.db, 'MX-1')!, id: 'MX-9' };
    const nodes = Array.from({ length: 500 }, (_, index) => stuckNode(index));
    const message = recoveryMessage({
      maintenance,
      nodes,
      overdue: undefined,
      now: new Date(NOW),
      snoozeChoices: ['1h'],
    });
    expect(checkMessageLimits(message as { text: string; blocks?: unknown[] })).toEqual([]);
    expect(message.blocks!.length).toBeLessThanOrEqual(50);
    const text = JSON.stringify(message.blocks);
    for (const check of ['gpu-allocatable', 'taints', 'soak', 'gpu-operator']) expect(text).toContain(`\`${check}\``);
    expect(text).toContain('Down (not Ready)* (100 nodes)');
    expect(text).toMatch(/and \d+ more/);
    // Oldest first: the first node of each cause leads its group.
    expect(text.indexOf('gpu-a0000-long')).toBeLessThan(text.indexOf('gpu-a0005-long'));
    const client = new WebClient('xoxb-recovery', { slackApiUrl: slack.url });
    const posted = await client.chat.postMessage({
      channel: EAST_CHANNEL,
      text: message.text,
      blocks: message.blocks as never,
    });
    expect(posted.ok).toBe(true);
  });

  it('groups the long tail by cause', () => {
    const groups = longTail([...Array.from({ length: 7 }, () => stuckNode(0)), stuckNode(1), stuckNode(2)]);
    expect(groups[0]!.nodes).toHaveLength(7);
    expect(groups[0]!.title).toBe('Check `gpu-allocatable` fails');
  });

  it('orders tail groups longest stuck first', () => {
    // The down node is stuck longest but alone; the larger group got stuck later.
    const down = { ...stuckNode(2), stateSince: at(T0, -3 * 3_600_000), failingSince: at(T0, -3 * 3_600_000) };
    const groups = longTail([stuckNode(0), stuckNode(5), stuckNode(10), down]);
    expect(groups.map((group) => group.title)).toEqual(['Down (not Ready)', 'Check `gpu-allocatable` fails']);
    const since = groups[1]!.nodes.map((node) => node.failingSince);
    expect(since).toEqual([...since].sort());
  });

  it('orders nodes within a group longest stuck first', () => {
    const groups = longTail([stuckNode(10), stuckNode(0), stuckNode(5)]);
    expect(groups[0]!.nodes.map((node) => node.node)).toEqual([stuckNode(0).node, stuckNode(5).node, stuckNode(10).node]);
  });
});
