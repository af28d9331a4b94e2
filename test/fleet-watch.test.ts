import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { FleetChange } from '../src/k8s/fleet.js';
import { loadKubeConfig } from '../src/k8s/kubeconfig.js';
import { backoffDelay, createFleetWatch, createFleetWriter, type FleetWatch } from '../src/k8s/watch.js';
import { startKubeStandIn, type KubeObject, type KubeStandIn } from '../src/standins/kube-api.js';

const OPERATOR_NAMESPACE = 'gpu-operator';

function node(name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, creationTimestamp: '2024-05-01T10:00:00Z' },
    spec,
    status: {
      allocatable: { 'nvidia.com/gpu': '8' },
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:05:00Z' }],
    },
  };
}

function pod(
  namespace: string,
  name: string,
  options: { nodeName?: string; phase?: string; uid?: string; gpus?: number } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: options.uid ?? `uid-${namespace}-${name}` },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      containers: [
        { name: 'main', image: 'trainer', resources: { requests: { 'nvidia.com/gpu': String(options.gpus ?? 1) } } },
      ],
    },
    status: {
      phase: options.phase ?? 'Pending',
      ...(options.nodeName
        ? {}
        : {
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.',
              },
            ],
          }),
    },
  };
}

interface LogLine {
  level: number;
  msg: string;
  cluster?: string;
  watch?: string;
  delayMs?: number;
}

function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const running: { watches: FleetWatch[]; standIns: KubeStandIn[] } = { watches: [], standIns: [] };

afterEach(async () => {
  await Promise.all(running.watches.splice(0).map((watch) => watch.stop()));
  await Promise.all(running.standIns.splice(0).map((standIn) => standIn.close()));
});

async function setup(
  options: { objects?: KubeObject[]; historyLimit?: number; start?: boolean; coalesceMs?: number } = {},
) {
  const standIn = await startKubeStandIn({ historyLimit: options.historyLimit });
  running.standIns.push(standIn);
  if (options.objects) standIn.apply({ kind: 'List', items: options.objects });
  const { logger, lines } = capturingLogger();
  const watch = createFleetWatch({
    clusters: [{ name: 'gpu-east', kubeConfig: standIn.kubeConfig('gpu-east') }],
    gpuOperatorNamespace: OPERATOR_NAMESPACE,
    log: logger,
    backoff: { initialMs: 20, maxMs: 100 },
    coalesceMs: options.coalesceMs ?? 10,
    syncTimeoutMs: 5000,
  });
  running.watches.push(watch);
  const batches: FleetChange[][] = [];
  watch.onChange((changes) => batches.push(changes));
  if (options.start !== false) await watch.start();
  return { standIn, watch, batches, lines, changes: () => batches.flat() };
}

async function waitForWatches(standIn: KubeStandIn, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (standIn.openWatches() < count) {
    if (Date.now() > deadline) throw new Error(`only ${standIn.openWatches()} of ${count} watches opened`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function listRequests(standIn: KubeStandIn) {
  return standIn.requests.filter((request) => request.method === 'GET' && request.query.watch === undefined);
}

function watchRequests(standIn: KubeStandIn, path: string) {
  return standIn.requests.filter((request) => request.path === path && request.query.watch === 'true');
}

const baseFleet = () => [
  node('gpu-1'),
  node('gpu-2', { unschedulable: true }),
  pod('team-a', 'waiting'),
  pod('team-a', 'running', { nodeName: 'gpu-1', phase: 'Running' }),
  pod('team-b', 'done', { phase: 'Succeeded' }),
  pod(OPERATOR_NAMESPACE, 'nvidia-operator-validator-x1', { nodeName: 'gpu-1', phase: 'Running', gpus: 0 }),
  pod(OPERATOR_NAMESPACE, 'nvidia-device-plugin-daemonset-x1', { nodeName: 'gpu-1', phase: 'Running', gpus: 0 }),
  pod(OPERATOR_NAMESPACE, 'nvidia-operator-validator-x2', { nodeName: 'gpu-2', phase: 'Pending', gpus: 0 }),
];

describe('fleet watch', () => {
  it('start loads nodes and pods', async () => {
    const { standIn, watch, changes } = await setup({ objects: baseFleet() });
    expect(watch.clusters()).toEqual(['gpu-east']);
    expect(watch.synced('gpu-east')).toBe(true);
    expect(watch.nodes('gpu-east').map((view) => view.name)).toEqual(['gpu-1', 'gpu-2']);
    const cordoned = watch.node('gpu-east', 'gpu-2')!;
    expect(cordoned.cluster).toBe('gpu-east');
    expect(cordoned.unschedulable).toBe(true);
    expect(cordoned.creationTimestamp).toBe('2024-05-01T10:00:00Z');
    expect(cordoned.conditions?.[0]?.lastTransitionTime).toBe('2024-05-01T10:05:00Z');
    const pending = watch.pendingPods('gpu-east');
    expect(pending.map((view) => `${view.namespace}/${view.name}`)).toEqual(['team-a/waiting']);
    expect(pending[0]!.scheduled?.reason).toBe('Unschedulable');
    expect(watch.validatorPods('gpu-east', 'gpu-1').map((view) => view.name)).toEqual([
      'nvidia-device-plugin-daemonset-x1',
      'nvidia-operator-validator-x1',
    ]);
    expect(watch.validatorPods('gpu-east', 'gpu-3')).toEqual([]);
    await watch.caughtUp('gpu-east', standIn.resourceVersion());
    expect(changes()).toContainEqual({ type: 'synced', cluster: 'gpu-east' });
    expect(changes()).toContainEqual({ type: 'node', cluster: 'gpu-east', name: 'gpu-1', deleted: false });
  });

  it('never lists every pod', async () => {
    const { standIn } = await setup({ objects: baseFleet() });
    const podRequests = standIn.requests.filter((request) => request.path === '/api/v1/pods');
    expect(podRequests.length).toBeGreaterThan(0);
    for (const request of podRequests) {
      expect(request.query.fieldSelector).toBe('spec.nodeName=,status.phase!=Succeeded,status.phase!=Failed');
    }
    const watches = standIn.requests.filter((request) => request.query.watch === 'true');
    expect(watches.every((request) => request.query.allowWatchBookmarks === 'true')).toBe(true);
    expect(watches.every((request) => Number(request.query.timeoutSeconds) >= 300)).toBe(true);
  });

  it('bound pod leaves pending set', async () => {
    const { standIn, watch, changes } = await setup({ objects: baseFleet() });
    const bound = standIn.apply(pod('team-a', 'waiting', { nodeName: 'gpu-1', phase: 'Running' }));
    await watch.caughtUp('gpu-east', bound);
    expect(watch.pendingPods('gpu-east')).toEqual([]);
    expect(changes()).toContainEqual({ type: 'pod', cluster: 'gpu-east', uid: 'uid-team-a-waiting', deleted: true });
    const added = standIn.apply(pod('team-c', 'new'));
    await watch.caughtUp('gpu-east', added);
    expect(watch.pendingPods('gpu-east').map((view) => view.name)).toEqual(['new']);
    const failed = standIn.apply(pod('team-c', 'new', { phase: 'Failed' }));
    await watch.caughtUp('gpu-east', failed);
    expect(watch.pendingPods('gpu-east')).toEqual([]);
  });

  it('follows cordons, taints, deletions', async () => {
    const { standIn, watch, changes } = await setup({ objects: baseFleet() });
    const tainted = standIn.apply(
      node('gpu-1', { unschedulable: true, taints: [{ key: 'maintenance', value: 'MX-12', effect: 'NoSchedule' }] }),
    );
    await watch.caughtUp('gpu-east', tainted);
    const view = watch.node('gpu-east', 'gpu-1')!;
    expect(view.unschedulable).toBe(true);
    expect(view.taints?.map((taint) => taint.key)).toEqual(['maintenance']);
    expect(view.resourceVersion).toBe(tainted);
    const deleted = standIn.delete('Node', null, 'gpu-2')!;
    await watch.caughtUp('gpu-east', deleted);
    expect(watch.node('gpu-east', 'gpu-2')).toBeUndefined();
    expect(changes()).toContainEqual({ type: 'node', cluster: 'gpu-east', name: 'gpu-2', deleted: true });
  });

  it('dropped watches resume from last version', async () => {
    const { standIn, watch, lines } = await setup({ objects: baseFleet() });
    const listsBefore = listRequests(standIn).length;
    for (const mode of ['reset', 'end'] as const) {
      const seen = standIn.resourceVersion();
      await waitForWatches(standIn, 3);
      expect(standIn.dropWatches(mode)).toBe(3);
      const revision = standIn.apply(node(`gpu-${mode}`));
      await watch.caughtUp('gpu-east', revision);
      expect(watch.node('gpu-east', `gpu-${mode}`)).toBeDefined();
      const resumed = watchRequests(standIn, '/api/v1/nodes').at(-1)!;
      expect(Number(resumed.query.resourceVersion)).toBeGreaterThanOrEqual(Number(seen));
    }
    expect(listRequests(standIn).length).toBe(listsBefore);
    const failures = lines.filter((line) => line.msg.includes('watch failed; retrying'));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.every((line) => line.cluster === 'gpu-east' && typeof line.delayMs === 'number')).toBe(true);
    expect(lines.some((line) => line.msg === 'watch closed by the server; reconnecting')).toBe(true);
  });

  it('relist after 410 reports vanished pods', async () => {
    const { standIn, watch, changes } = await setup({ objects: [...baseFleet(), pod('team-a', 'doomed')] });
    expect(watch.pendingPods('gpu-east').map((view) => view.name)).toEqual(['doomed', 'waiting']);
    const listsBefore = listRequests(standIn).length;
    await waitForWatches(standIn, 3);
    expect(standIn.dropWatches()).toBe(3);
    standIn.delete('Pod', 'team-a', 'doomed');
    standIn.apply(pod('team-a', 'newcomer'));
    const revision = standIn.apply(node('gpu-1', { unschedulable: true }));
    standIn.compact();
    await watch.caughtUp('gpu-east', revision);
    expect(watch.pendingPods('gpu-east').map((view) => view.name)).toEqual(['newcomer', 'waiting']);
    expect(watch.node('gpu-east', 'gpu-1')?.unschedulable).toBe(true);
    expect(changes()).toContainEqual({ type: 'pod', cluster: 'gpu-east', uid: 'uid-team-a-doomed', deleted: true });
    expect(changes()).toContainEqual({ type: 'pod', cluster: 'gpu-east', uid: 'uid-team-a-newcomer', deleted: false });
    expect(listRequests(standIn).length).toBeGreaterThanOrEqual(listsBefore + 3);
    const unchanged = changes().filter((change) => change.type === 'pod' && change.uid === 'uid-team-a-waiting');
    expect(unchanged).toHaveLength(1);
  });

  it('keeps retrying through an outage', async () => {
    const standIn = await startKubeStandIn();
    running.standIns.push(standIn);
    standIn.apply({ kind: 'List', items: baseFleet() });
    standIn.failNext(6, 503);
    const { logger, lines } = capturingLogger();
    const watch = createFleetWatch({
      clusters: [{ name: 'gpu-west', kubeConfig: standIn.kubeConfig('gpu-west') }],
      gpuOperatorNamespace: OPERATOR_NAMESPACE,
      log: logger,
      backoff: { initialMs: 10, maxMs: 40 },
    });
    running.watches.push(watch);
    await watch.start();
    expect(standIn.requests.filter((request) => request.status === 503)).toHaveLength(6);
    expect(watch.nodes('gpu-west')).toHaveLength(2);
    const retries = lines.filter((line) => line.msg.includes('retrying'));
    expect(retries).toHaveLength(6);
    expect(retries.every((line) => line.cluster === 'gpu-west')).toBe(true);
  });

  it('caps the retry backoff', async () => {
    const standIn = await startKubeStandIn({ token: 'right' });
    running.standIns.push(standIn);
    const wrong = new KubeConfig();
    wrong.loadFromOptions({
      clusters: [{ name: 'c', server: standIn.url, caData: standIn.caData, skipTLSVerify: false }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'gpu-south', cluster: 'c', user: 'u' }],
      currentContext: 'gpu-south',
    });
    const watch = createFleetWatch({
      clusters: [{ name: 'gpu-south', kubeConfig: wrong }],
      gpuOperatorNamespace: OPERATOR_NAMESPACE,
      log: capturingLogger().logger,
      backoff: { initialMs: 10, maxMs: 80 },
      syncTimeoutMs: 1200,
    });
    running.watches.push(watch);
    await expect(watch.start()).rejects.toThrow(/cluster "gpu-south" \(nodes, unscheduled pods, gpu operator pods\): .*HTTP 401/);
    const nodeLists = standIn.requests.filter((request) => request.path === '/api/v1/nodes');
    expect(nodeLists.every((request) => request.status === 401)).toBe(true);
    const gaps = nodeLists.slice(1).map((request, index) => request.receivedAt - nodeLists[index]!.receivedAt);
    expect(gaps.length).toBeGreaterThanOrEqual(8);
    // Uncapped, the tenth delay would be 10 * 2^9 ms; the margin above the cap is for request latency.
    for (const gap of gaps) expect(gap).toBeLessThan(80 + 170);
    for (const gap of gaps.slice(4)) expect(gap).toBeGreaterThanOrEqual(40 - 5);
  });

  it('computes jittered delays within the cap', () => {
    const policy = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(4, policy, () => 0)).toBe(400);
    expect(backoffDelay(50, policy, () => 1)).toBe(1000);
    expect(backoffDelay(50, policy, () => 0)).toBe(500);
  });

  it('caughtUp waits for every watch', async () => {
    const { standIn, watch, batches } = await setup({ objects: baseFleet() });
    const current = standIn.resourceVersion();
    await watch.caughtUp('gpu-east', current);
    const batchesBefore = batches.length;
    const future = String(Number(current) + 1);
    let resolved = false;
    const waiting = watch.caughtUp('gpu-east', future).then(() => (resolved = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolved).toBe(false);
    standIn.apply(pod('team-z', 'late'));
    await waiting;
    expect(batches.length).toBe(batchesBefore + 1);
    expect(batches.at(-1)).toContainEqual({ type: 'pod', cluster: 'gpu-east', uid: 'uid-team-z-late', deleted: false });
    await expect(watch.caughtUp('gpu-east', String(Number(future) + 5), { timeoutMs: 100 })).rejects.toThrow(
      /cluster "gpu-east" did not reach resourceVersion \d+ within 100 ms \(nodes at \d+, unscheduled pods at \d+/,
    );
    await expect(watch.caughtUp('gpu-west', current)).rejects.toThrow(/unknown cluster "gpu-west": watching gpu-east/);
    await expect(watch.caughtUp('gpu-east', 'abc')).rejects.toThrow(/invalid resourceVersion "abc"/);
  });

  it('coalesces bursts into batches', async () => {
    // A window longer than the burst takes on a loaded machine, so the count of batches does not
    // depend on scheduling: caughtUp flushes whatever is still waiting.
    const { standIn, watch, batches } = await setup({ objects: baseFleet(), coalesceMs: 5_000 });
    await watch.caughtUp('gpu-east', standIn.resourceVersion());
    const before = batches.length;
    const burst = Array.from({ length: 40 }, (_, index) => pod('burst', `p-${index}`));
    let revision = '';
    for (const item of burst) revision = standIn.apply(item);
    await watch.caughtUp('gpu-east', revision);
    const received = batches.slice(before);
    const pods = received.flat().filter((change) => change.type === 'pod');
    expect(pods).toHaveLength(40);
    expect(received.length).toBeLessThan(10);
    expect(watch.pendingPods('gpu-east')).toHaveLength(41);
  });

  it('few nodes list one by one', async () => {
    const { standIn, watch } = await setup({
      objects: [
        ...baseFleet(),
        pod('team-b', 'trainer', { nodeName: 'gpu-2', phase: 'Running' }),
        pod('team-b', 'finished', { nodeName: 'gpu-2', phase: 'Succeeded' }),
      ],
    });
    const before = listRequests(standIn).length;
    const pods = await watch.podsOnNodes('gpu-east', ['gpu-2', 'gpu-2']);
    expect(pods.map((view) => view.name)).toEqual(['nvidia-operator-validator-x2', 'trainer']);
    const requests = listRequests(standIn).slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.query.fieldSelector).toBe('spec.nodeName=gpu-2,status.phase!=Succeeded,status.phase!=Failed');
    expect(await watch.podsOnNodes('gpu-east', [])).toEqual([]);
  });

  it('many nodes use one cluster-wide list', async () => {
    const nodes = Array.from({ length: 12 }, (_, index) => node(`n-${index}`));
    const pods = nodes.map((_, index) => pod('team-a', `job-${index}`, { nodeName: `n-${index}`, phase: 'Running' }));
    const { standIn, watch } = await setup({ objects: [...nodes, ...pods] });
    const before = listRequests(standIn).length;
    const found = await watch.podsOnNodes('gpu-east', ['n-0', 'n-3', 'n-7', 'n-9', 'n-11']);
    expect(found.map((view) => view.name)).toEqual(['job-0', 'job-11', 'job-3', 'job-7', 'job-9']);
    const requests = listRequests(standIn).slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.query.fieldSelector).toBe('spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed');
  });

  it('uncordons a node with a merge patch', async () => {
    const { standIn, watch } = await setup({ objects: baseFleet() });
    const writer = createFleetWriter([{ name: 'gpu-east', kubeConfig: standIn.kubeConfig('gpu-east') }]);
    await writer.uncordon('gpu-east', 'gpu-2');
    const patch = standIn.requests.filter((request) => request.method === 'PATCH').at(-1)!;
    expect(patch.method).toBe('PATCH');
    expect(patch.path).toBe('/api/v1/nodes/gpu-2');
    expect(patch.status).toBe(200);
    const stored = standIn.get('Node', null, 'gpu-2') as { spec: { unschedulable?: boolean } };
    expect(stored.spec.unschedulable).toBe(false);
    await watch.caughtUp('gpu-east', standIn.resourceVersion());
    expect(watch.node('gpu-east', 'gpu-2')?.unschedulable).toBe(false);
    await expect(writer.uncordon('gpu-east', 'gpu-9')).rejects.toThrow(
      /uncordon of node "gpu-9" in cluster "gpu-east" failed: HTTP 404 NotFound: nodes "gpu-9" not found/,
    );
    await expect(writer.uncordon('gpu-west', 'gpu-1')).rejects.toThrow(/unknown cluster "gpu-west"/);
  });
});

describe('loadKubeConfig', () => {
  it('selects the configured context', async () => {
    const standIn = await startKubeStandIn();
    running.standIns.push(standIn);
    standIn.apply(node('gpu-1'));
    const directory = mkdtempSync(join(tmpdir(), 'pitstop-kubeconfig-'));
    const file = join(directory, 'config');
    writeFileSync(file, standIn.kubeconfigYaml('lab'));
    const config = loadKubeConfig({ name: 'lab', context: 'lab', kubeconfig: file });
    expect(config.getCurrentContext()).toBe('lab');
    const watch = createFleetWatch({
      clusters: [{ name: 'lab', kubeConfig: config }],
      gpuOperatorNamespace: OPERATOR_NAMESPACE,
      log: capturingLogger().logger,
    });
    running.watches.push(watch);
    await watch.start();
    expect(watch.nodes('lab').map((view) => view.name)).toEqual(['gpu-1']);
  });

  it('merges KUBECONFIG and names missing contexts', async () => {
    const standIn = await startKubeStandIn();
    running.standIns.push(standIn);
    const directory = mkdtempSync(join(tmpdir(), 'pitstop-kubeconfig-'));
    const first = join(directory, 'first');
    const second = join(directory, 'second');
    writeFileSync(first, standIn.kubeconfigYaml('one'));
    writeFileSync(second, standIn.kubeconfigYaml('two'));
    const env = { KUBECONFIG: `${first}:${join(directory, 'absent')}:${second}` };
    expect(loadKubeConfig({ name: 'b', context: 'two' }, env).getCurrentContext()).toBe('two');
    expect(() => loadKubeConfig({ name: 'c', context: 'three' }, env)).toThrow(
      /cluster "c": context "three" not found in .*first, .*second \(contexts: one, two\); set clusters\[\]\.context/,
    );
  });

  it('reports files, in-cluster and http problems', () => {
    const directory = mkdtempSync(join(tmpdir(), 'pitstop-kubeconfig-'));
    expect(() => loadKubeConfig({ name: 'a', context: 'x', kubeconfig: join(directory, 'none') }, {})).toThrow(
      /cluster "a": kubeconfig .*none \(from clusters\[a\]\.kubeconfig\) does not exist/,
    );
    expect(() => loadKubeConfig({ name: 'a', inCluster: true }, {})).toThrow(
      /inCluster is true but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/,
    );
    const file = join(directory, 'plain');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
      ].join('\n'),
    );
    expect(() => loadKubeConfig({ name: 'a', context: 'x', kubeconfig: file }, {})).toThrow(/uses plain http/);
  });
});
