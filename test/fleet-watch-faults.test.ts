import { afterEach, describe, expect, it } from 'vitest';
import type { FleetChange } from '../src/k8s/fleet.js';
import { createFleetWatch, type FleetWatch } from '../src/k8s/watch.js';
import { silentLogger } from '../src/log.js';
import { startKubeStandIn, type KubeObject, type KubeStandIn } from '../src/standins/kube-api.js';

function node(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { 'nvidia.com/gpu': '8' } },
  };
}

const running: { watches: FleetWatch[]; standIns: KubeStandIn[] } = { watches: [], standIns: [] };

afterEach(async () => {
  await Promise.all(running.watches.splice(0).map((watch) => watch.stop()));
  await Promise.all(running.standIns.splice(0).map((standIn) => standIn.close()));
});

async function setup(backoff: { initialMs: number; maxMs: number }) {
  const standIn = await startKubeStandIn();
  running.standIns.push(standIn);
  standIn.apply({ kind: 'List', items: [node('gpu-1'), node('gpu-2')] });
  const watch = createFleetWatch({
    clusters: [{ name: 'gpu-east', kubeConfig: standIn.kubeConfig('gpu-east') }],
    gpuOperatorNamespace: 'gpu-operator',
    log: silentLogger,
    backoff,
    coalesceMs: 5,
    syncTimeoutMs: 5000,
  });
  running.watches.push(watch);
  const batches: FleetChange[][] = [];
  watch.onChange((changes) => batches.push(changes));
  await watch.start();
  return { standIn, watch, changes: () => batches.flat() };
}

function nodeLists(standIn: KubeStandIn, since: number): number {
  return standIn.requests.filter(
    (request) => request.path === '/api/v1/nodes' && request.query.watch === undefined && request.receivedAt >= since,
  ).length;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('fleet watch under faults', () => {
  it('backs off through a 410 storm', async () => {
    const { standIn } = await setup({ initialMs: 40, maxMs: 5000 });
    const started = Date.now();
    standIn.expireNextWatches(1000);
    standIn.dropWatches('end');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // Doubling from 40 ms (halved at most by jitter) fits at most 7 lists in 1.2 s; a reset per list fits 30.
    const lists = nodeLists(standIn, started);
    expect(lists).toBeGreaterThan(1);
    expect(lists).toBeLessThanOrEqual(8);
  });

  it('recovers once the storm ends', async () => {
    const { standIn, watch } = await setup({ initialMs: 10, maxMs: 40 });
    standIn.expireNextWatches(6);
    standIn.dropWatches('end');
    await waitFor(() => standIn.openWatches() === 3, 'watches to reopen');
    const version = standIn.apply(node('gpu-3'));
    await watch.caughtUp('gpu-east', version);
    expect(watch.nodes('gpu-east').map((entry) => entry.name)).toEqual(['gpu-1', 'gpu-2', 'gpu-3']);
  });

  it('sees a node replaced under the same name', async () => {
    const { standIn, watch, changes } = await setup({ initialMs: 10, maxMs: 40 });
    const oldUid = watch.node('gpu-east', 'gpu-1')!.uid;
    standIn.delete('Node', null, 'gpu-1');
    const version = standIn.apply(node('gpu-1', { replaced: 'yes' }));
    await watch.caughtUp('gpu-east', version);
    const replaced = watch.node('gpu-east', 'gpu-1')!;
    expect(replaced.uid).not.toBe(oldUid);
    expect(replaced.labels.replaced).toBe('yes');
    expect(changes().filter((change) => change.type === 'node' && change.name === 'gpu-1').at(-1)).toMatchObject({ deleted: false });
  });

  it('sees a node replaced while the watch was down', async () => {
    const { standIn, watch } = await setup({ initialMs: 10, maxMs: 40 });
    const oldUid = watch.node('gpu-east', 'gpu-1')!.uid;
    standIn.failNext(3, 503);
    standIn.dropWatches('reset');
    standIn.delete('Node', null, 'gpu-1');
    standIn.compact();
    const version = standIn.apply(node('gpu-1', { replaced: 'yes' }));
    await watch.caughtUp('gpu-east', version);
    expect(watch.node('gpu-east', 'gpu-1')!.uid).not.toBe(oldUid);
  });

  it('stops promptly during a reconnect backoff', async () => {
    const { standIn, watch } = await setup({ initialMs: 10_000, maxMs: 10_000 });
    standIn.failNext(1000, 503);
    standIn.dropWatches('reset');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await watch.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    running.watches.splice(0);
  });
});
