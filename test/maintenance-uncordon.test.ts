import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { createFleetWriter } from '../src/k8s/watch.js';
import { createMaintenance } from '../src/maintenance/lifecycle.js';
import { candidatesFingerprint, runUncordon, uncordonCandidates } from '../src/maintenance/remediation.js';
import { getMaintenance, listNodes } from '../src/maintenance/store.js';
import { startKubeStandIn, type KubeStandIn } from '../src/standins/kube-api.js';
import {
  at,
  EAST,
  hours,
  lastOutboxId,
  maintConfig,
  maintContext,
  MAINTAINER,
  nodeObject,
  OWNER,
  outboxSince,
  REMEDIATOR,
  removeStore,
  TestFleet,
  type MaintContext,
  type NodeSpec,
} from './maintenance-fixtures.js';

const T0 = '2026-03-01T00:00:00Z';
const START = at(T0, hours(1));
const BACK = at(START, hours(1));
const NOW = at(START, hours(2));

let kube: KubeStandIn;
let ctx: MaintContext;

function place(name: string, spec: NodeSpec): void {
  kube.apply(nodeObject(EAST, name, spec));
  ctx.fleet.setNode(EAST, name, spec);
}

beforeAll(async () => {
  kube = await startKubeStandIn();
});

afterAll(async () => {
  removeStore(ctx);
  await kube.close();
});

beforeEach(async () => {
  if (ctx) removeStore(ctx);
  const config = maintConfig({ maintenance: { allowClusterWrites: true } });
  ctx = maintContext({
    fleet: new TestFleet(),
    config,
    start: T0,
    writer: createFleetWriter([{ name: EAST, kubeConfig: kube.kubeConfig(EAST) }]),
  });
  for (const name of ['u-1', 'u-2', 'u-3']) place(name, { at: T0, rack: 'r1' });
  createMaintenance(
    ctx,
    {
      title: 'BMC firmware',
      kind: 'firmware',
      vendor: 'coreweave',
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { all: true } }],
      start: START,
      end: at(START, hours(4)),
    },
    { source: 'slack', actor: MAINTAINER },
  );
  await reconcileMaintenances(ctx);
  ctx.clock.set(START);
  await reconcileMaintenances(ctx);
  for (const name of ['u-1', 'u-2'])
    place(name, { at: NOW, rack: 'r1', cordoned: true, bootId: `boot-${name}-2`, readySince: BACK });
  // Back and otherwise valid, but NVSentinel cordoned it too: the cordon is not only the maintenance's.
  place('u-3', {
    at: NOW,
    rack: 'r1',
    cordoned: true,
    bootId: 'boot-u-3-2',
    readySince: BACK,
    labels: { 'k8saas.nvidia.com/cordon-by': 'NVSentinel' },
  });
  ctx.clock.set(NOW);
  await reconcileMaintenances(ctx);
});

describe('uncordon', () => {
  it('offers only nodes held by the maintenance alone', () => {
    const candidates = uncordonCandidates(ctx, getMaintenance(ctx.db, 'MX-1')!);
    expect(candidates.map((candidate) => candidate.node)).toEqual(['u-1', 'u-2']);
    expect(listNodes(ctx.db, 'MX-1').find((node) => node.node === 'u-3')?.holds).toEqual([
      'NVSentinel: label k8saas.nvidia.com/cordon-by=NVSentinel',
    ]);
  });

  it('is rejected without cluster writes', async () => {
    const fingerprint = candidatesFingerprint(uncordonCandidates(ctx, getMaintenance(ctx.db, 'MX-1')!));
    ctx.config = maintConfig();
    const patches = () => kube.requests.filter((request) => request.method === 'PATCH').length;
    const before = patches();
    const result = await runUncordon(ctx, { maintenanceId: 'MX-1', user: REMEDIATOR, fingerprint });
    expect(result.status).toBe('refused');
    expect(result.message).toContain('maintenance.allowClusterWrites: true');
    expect(patches()).toBe(before);
  });

  it('reports a failed patch and records only the successes', async () => {
    const fingerprint = candidatesFingerprint(uncordonCandidates(ctx, getMaintenance(ctx.db, 'MX-1')!));
    kube.failNext(1, 500);
    const mark = lastOutboxId(ctx.db);
    const result = await runUncordon(ctx, { maintenanceId: 'MX-1', user: REMEDIATOR, fingerprint });
    expect(result.status).toBe('done');
    expect(result.uncordoned).toEqual(['u-2']);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.node).toBe('u-1');
    expect(result.failed[0]!.error).toContain('uncordon of node "u-1" in cluster "gpu-east" failed: HTTP 500');
    expect((kube.get('Node', null, 'u-2')?.spec as { unschedulable?: boolean }).unschedulable).toBe(false);
    expect((kube.get('Node', null, 'u-3')?.spec as { unschedulable?: boolean }).unschedulable).toBe(true);
    const nodes = listNodes(ctx.db, 'MX-1');
    expect(nodes.find((node) => node.node === 'u-2')?.uncordonedBy).toBe(REMEDIATOR);
    expect(nodes.find((node) => node.node === 'u-1')?.uncordonedBy).toBeNull();
    const reply = outboxSince(ctx.db, mark).find((row) => row.message_key.includes(':action:uncordon:'))!;
    expect(reply.payload.text).toContain(`<@${REMEDIATOR}> uncordoned 1 of MX-1's validated nodes: \`u-2\``);
    expect(reply.payload.text).toContain('Failed on 1: `u-1`');
  });

  it('runs nothing when the candidates changed', async () => {
    const result = await runUncordon(ctx, {
      maintenanceId: 'MX-1',
      user: REMEDIATOR,
      fingerprint: 'not-the-list-shown',
    });
    expect(result.status).toBe('changed');
    expect(result.uncordoned).toEqual([]);
  });
});
