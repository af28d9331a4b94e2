import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1Node,
} from '@kubernetes/client-node';
import { startKubeStandIn, type KubeObject, type KubeStandIn } from '../src/standins/kube-api.js';

interface FixtureLine {
  id: string;
  kind: string;
  object: KubeObject;
}

const fixtures: FixtureLine[] = readFileSync(new URL('./fixtures/nodes.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as FixtureLine);

function node(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: {} }, spec: {}, status: {}, ...extra };
}

function pod(namespace: string, name: string, options: { nodeName?: string; phase?: string; labels?: object } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: options.labels ?? {} },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...(options.nodeName ? { nodeName: options.nodeName } : {}) },
    status: { phase: options.phase ?? 'Pending' },
  };
}

interface OpenWatch {
  events: { type: string; object: KubeObject }[];
  done: Promise<unknown>;
  abort(): void;
  waitFor(predicate: (events: OpenWatch['events']) => boolean): Promise<void>;
}

async function openWatch(
  config: KubeConfig,
  path: string,
  params: Record<string, string | number | boolean | undefined>,
): Promise<OpenWatch> {
  const events: OpenWatch['events'] = [];
  const waiters: (() => void)[] = [];
  let finish!: (error: unknown) => void;
  const done = new Promise<unknown>((resolve) => (finish = resolve));
  const controller = await new Watch(config).watch(
    path,
    params,
    (type, object) => {
      events.push({ type, object: object as KubeObject });
      waiters.splice(0).forEach((wake) => wake());
    },
    (error) => finish(error),
  );
  return {
    events,
    done,
    abort: () => controller.abort(),
    async waitFor(predicate) {
      const deadline = Date.now() + 5000;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`watch events never matched: ${JSON.stringify(events.map((e) => e.type))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

function metadata(object: KubeObject): Record<string, unknown> {
  return object.metadata as Record<string, unknown>;
}

async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiException);
    const exception = error as ApiException<unknown>;
    const body = typeof exception.body === 'string' ? JSON.parse(exception.body) : (exception.body ?? {});
    return { code: exception.code, body: body as Record<string, unknown> };
  }
  throw new Error('expected the request to fail');
}

describe('kube stand-in', () => {
  let standIn: KubeStandIn;
  let config: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    standIn = await startKubeStandIn({ historyLimit: 1000 });
    config = new KubeConfig();
    config.loadFromString(standIn.kubeconfigYaml('stand-in'));
    core = config.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await standIn.close();
  });

  beforeEach(() => {
    for (const kind of ['Node', 'Pod', 'Event', 'Namespace']) {
      for (const namespace of [null, 'default', 'gpu-operator', 'team-a', 'nvidia', 'kubeblocks-cloud-ns']) {
        for (const name of ['a', 'b', 'c', 'd', 'e', 'p1', 'p2', 'p3', 'p4', 'ev1', 'ev2']) {
          standIn.delete(kind, namespace, name);
        }
      }
    }
  });

  it('serves https with the kubeconfig CA', async () => {
    expect(standIn.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(standIn.caData, 'base64').toString('utf8')).toContain('BEGIN CERTIFICATE');
    standIn.apply(node('a'));
    const list = await core.listNode();
    expect(list.items.map((item) => item.metadata?.name)).toContain('a');
    expect(list.metadata?.resourceVersion).toBe(standIn.resourceVersion());
  });

  it('rejects a wrong token with 401', async () => {
    const wrong = new KubeConfig();
    wrong.loadFromOptions({
      clusters: [{ name: 'c', server: standIn.url, caData: standIn.caData, skipTLSVerify: false }],
      users: [{ name: 'u', token: 'not-the-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const error = await apiError(wrong.makeApiClient(CoreV1Api).listNode());
    expect(error.code).toBe(401);
    expect(standIn.requests.at(-1)?.status).toBe(401);
    const response = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const request = httpsGet(
        `${standIn.url}/api/v1/nodes`,
        { ca: Buffer.from(standIn.caData, 'base64') },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        },
      );
      request.on('error', reject);
    });
    expect(response.status).toBe(401);
    expect(response.body.kind).toBe('Status');
    expect(response.body.reason).toBe('Unauthorized');
  });

  it('applies lists with one revision counter', async () => {
    const nodeObjects = fixtures.filter((line) => line.kind === 'Node').map((line) => line.object);
    const before = Number(standIn.resourceVersion());
    const listed = standIn.apply({
      apiVersion: 'v1',
      kind: 'List',
      items: [...nodeObjects, pod('default', 'p1')],
    });
    expect(Number(listed)).toBe(before + nodeObjects.length + 1);
    const typed = standIn.apply({ apiVersion: 'v1', kind: 'NodeList', items: [{ metadata: { name: 'b' } }] });
    expect(Number(typed)).toBe(Number(listed) + 1);
    expect(standIn.get('Node', null, 'b')?.kind).toBe('Node');
    const fixtureNode = standIn.get('Node', null, String(metadata(nodeObjects[0]!).name));
    expect(fixtureNode?.status).toEqual(nodeObjects[0]!.status);
    expect(standIn.apply(node('b'))).not.toBe(typed);
    const unchanged = standIn.resourceVersion();
    expect(standIn.apply(standIn.get('Node', null, 'b')!)).toBe(unchanged);
    for (const line of fixtures.filter((entry) => entry.kind === 'Node')) {
      standIn.delete('Node', null, String(metadata(line.object).name));
    }
  });

  it('rejects unservable objects atomically', () => {
    const revision = standIn.resourceVersion();
    expect(() =>
      standIn.apply({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x', namespace: 'default' } }),
    ).toThrow(/only core v1 objects/);
    expect(() => standIn.apply({ kind: 'List', items: [node('c'), { kind: 'Deployment', metadata: { name: 'd' } }] })).toThrow(
      /item 1: cannot store kind "Deployment"/,
    );
    expect(() => standIn.apply({ kind: 'Node', metadata: {} })).toThrow(/without metadata.name/);
    expect(standIn.get('Node', null, 'c')).toBeUndefined();
    expect(standIn.resourceVersion()).toBe(revision);
  });

  it('pages at the first page revision', async () => {
    standIn.apply({ kind: 'List', items: ['a', 'b', 'c', 'd', 'e'].map((name) => node(name)) });
    const first = await core.listNode({ limit: 2 });
    expect(first.items.map((item) => item.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    standIn.delete('Node', null, 'd');
    const second = await core.listNode({ limit: 2, _continue: first.metadata?._continue });
    expect(second.items.map((item) => item.metadata?.name)).toEqual(['c', 'd']);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const third = await core.listNode({ limit: 2, _continue: second.metadata?._continue });
    expect(third.items.map((item) => item.metadata?.name)).toEqual(['e']);
    expect(third.metadata?._continue).toBeUndefined();
  });

  it('expires continue tokens with 410', async () => {
    standIn.apply({ kind: 'List', items: ['a', 'b', 'c'].map((name) => node(name)) });
    const first = await core.listNode({ limit: 1 });
    standIn.apply(node('d'));
    standIn.compact();
    const error = await apiError(core.listNode({ limit: 1, _continue: first.metadata?._continue }));
    expect(error.code).toBe(410);
    expect(error.body.reason).toBe('Expired');
    const invalid = await apiError(core.listNode({ limit: 1, _continue: 'garbage' }));
    expect(invalid.code).toBe(400);
  });

  it('filters pods by field selectors', async () => {
    standIn.apply({
      kind: 'List',
      items: [
        pod('default', 'p1'),
        pod('default', 'p2', { nodeName: 'a', phase: 'Running' }),
        pod('team-a', 'p3', { nodeName: 'b', phase: 'Succeeded' }),
        pod('team-a', 'p4', { phase: 'Failed' }),
      ],
    });
    const names = async (fieldSelector: string) =>
      (await core.listPodForAllNamespaces({ fieldSelector })).items.map((item) => item.metadata?.name).sort();
    expect(await names('spec.nodeName=')).toEqual(['p1', 'p4']);
    expect(await names('spec.nodeName=,status.phase!=Failed')).toEqual(['p1']);
    expect(await names('spec.nodeName!=')).toEqual(['p2', 'p3']);
    expect(await names('status.phase==Running')).toEqual(['p2']);
    expect(await names('metadata.namespace=team-a')).toEqual(['p3', 'p4']);
    expect(await names('metadata.name=p2,spec.nodeName=a')).toEqual(['p2']);
    const namespaced = await core.listNamespacedPod({ namespace: 'team-a', fieldSelector: 'spec.nodeName=b' });
    expect(namespaced.items.map((item) => item.metadata?.name)).toEqual(['p3']);
  });

  it('rejects bad field selectors', async () => {
    const unsupported = await apiError(core.listPodForAllNamespaces({ fieldSelector: 'spec.priority=1' }));
    expect(unsupported.code).toBe(400);
    expect(unsupported.body.reason).toBe('BadRequest');
    expect(unsupported.body.message).toBe('field label not supported: spec.priority');
    const malformed = await apiError(core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName' }));
    expect(malformed.code).toBe(400);
    expect(malformed.body.message).toContain("can't understand 'spec.nodeName'");
    const nodeField = await apiError(core.listNode({ fieldSelector: 'status.phase=Running' }));
    expect(nodeField.code).toBe(400);
  });

  it('filters by label selectors', async () => {
    standIn.apply({
      kind: 'List',
      items: [
        node('a', { metadata: { name: 'a', labels: { pool: 'h100', zone: 'z1' } } }),
        node('b', { metadata: { name: 'b', labels: { pool: 'a100', zone: 'z2' } } }),
        node('c', { metadata: { name: 'c', labels: { pool: 'h100' } } }),
        node('d', { metadata: { name: 'd', labels: {} } }),
      ],
    });
    const names = async (labelSelector: string) =>
      (await core.listNode({ labelSelector })).items.map((item) => item.metadata?.name);
    expect(await names('pool=h100')).toEqual(['a', 'c']);
    expect(await names('pool==a100')).toEqual(['b']);
    expect(await names('pool!=h100')).toEqual(['b', 'd']);
    expect(await names('pool in (a100, h100),zone')).toEqual(['a', 'b']);
    expect(await names('pool notin (h100)')).toEqual(['b', 'd']);
    expect(await names('!zone')).toEqual(['c', 'd']);
    expect(await names('pool,!zone')).toEqual(['c']);
  });

  it('rejects bad label selectors', async () => {
    for (const selector of ['pool in (a', 'pool in a', '!', 'pool=a=b', 'pool==', 'bad key=x', 'pool=white space']) {
      const result = await core.listNode({ labelSelector: selector }).then(
        () => ({ code: 200, body: {} as Record<string, unknown> }),
        (error: ApiException<string>) => ({ code: error.code, body: JSON.parse(error.body) as Record<string, unknown> }),
      );
      if (selector === 'pool==') {
        expect(result.code, selector).toBe(200);
        continue;
      }
      expect(result.code, selector).toBe(400);
      expect(String(result.body.message), selector).toMatch(/^unable to parse requirement: /);
    }
  });

  it('gets objects or a 404 Status', async () => {
    standIn.apply(pod('team-a', 'p1'));
    standIn.apply(node('a'));
    const read = await core.readNamespacedPod({ namespace: 'team-a', name: 'p1' });
    expect(read.metadata?.name).toBe('p1');
    expect((await core.readNode({ name: 'a' })).metadata?.name).toBe('a');
    const missing = await apiError(core.readNamespacedPod({ namespace: 'default', name: 'p1' }));
    expect(missing.code).toBe(404);
    expect(missing.body.reason).toBe('NotFound');
    expect(missing.body.message).toBe('pods "p1" not found');
  });

  it('lists events by namespace', async () => {
    const event = (namespace: string, name: string, reason: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { kind: 'Pod', name: 'p1', namespace },
      reason,
      type: 'Warning',
      message: '0/4 nodes are available',
    });
    standIn.apply({ kind: 'List', items: [event('default', 'ev1', 'FailedScheduling'), event('team-a', 'ev2', 'Pulled')] });
    const all = await core.listEventForAllNamespaces({ fieldSelector: 'reason=FailedScheduling,involvedObject.kind=Pod' });
    expect(all.items.map((item) => item.metadata?.name)).toEqual(['ev1']);
    const namespaced = await core.listNamespacedEvent({ namespace: 'team-a' });
    expect(namespaced.items.map((item) => item.metadata?.name)).toEqual(['ev2']);
  });

  it('watch sends bookmarks after writes', async () => {
    standIn.apply(node('a'));
    const list = await core.listNode();
    const watch = await openWatch(config, '/api/v1/nodes', {
      resourceVersion: list.metadata?.resourceVersion,
      allowWatchBookmarks: true,
    });
    await watch.waitFor((events) => events.some((event) => event.type === 'BOOKMARK'));
    standIn.apply(node('b'));
    standIn.apply(node('b', { spec: { unschedulable: true } }));
    const deleted = standIn.delete('Node', null, 'b');
    const podRevision = standIn.apply(pod('default', 'p1'));
    await watch.waitFor((events) =>
      events.some((event) => event.type === 'BOOKMARK' && metadata(event.object).resourceVersion === podRevision),
    );
    const changes = watch.events.filter((event) => event.type !== 'BOOKMARK');
    expect(changes.map((event) => `${event.type} ${String(metadata(event.object).name)}`)).toEqual([
      'ADDED b',
      'MODIFIED b',
      'DELETED b',
    ]);
    expect(metadata(changes[2]!.object).resourceVersion).toBe(deleted);
    const lastBookmark = watch.events.at(-1)!;
    expect(lastBookmark.object.kind).toBe('Node');
    watch.abort();
  });

  it('sends no bookmarks unless asked', async () => {
    const watch = await openWatch(config, '/api/v1/nodes', { resourceVersion: standIn.resourceVersion() });
    standIn.apply(node('c'));
    await watch.waitFor((events) => events.length >= 1);
    standIn.apply(pod('default', 'p1'));
    standIn.apply(node('d'));
    await watch.waitFor((events) => events.length >= 2);
    expect(watch.events.map((event) => event.type)).toEqual(['ADDED', 'ADDED']);
    watch.abort();
  });

  it('watch without version lists current objects', async () => {
    standIn.apply({ kind: 'List', items: [node('a'), node('b')] });
    const watch = await openWatch(config, '/api/v1/nodes', { labelSelector: '' });
    await watch.waitFor((events) => events.length >= 2);
    expect(watch.events.map((event) => `${event.type} ${String(metadata(event.object).name)}`)).toEqual([
      'ADDED a',
      'ADDED b',
    ]);
    watch.abort();
  });

  it('bound pod leaves unscheduled watch', async () => {
    standIn.apply(pod('default', 'p1'));
    const watch = await openWatch(config, '/api/v1/pods', {
      resourceVersion: standIn.resourceVersion(),
      fieldSelector: 'spec.nodeName=',
      allowWatchBookmarks: true,
    });
    standIn.apply(pod('default', 'p2'));
    const bound = standIn.apply(pod('default', 'p1', { nodeName: 'a', phase: 'Running' }));
    standIn.apply(pod('default', 'p3', { nodeName: 'a', phase: 'Running' }));
    await watch.waitFor((events) => events.filter((event) => event.type === 'BOOKMARK').length >= 4);
    const changes = watch.events.filter((event) => event.type !== 'BOOKMARK');
    expect(changes.map((event) => `${event.type} ${String(metadata(event.object).name)}`)).toEqual([
      'ADDED p2',
      'DELETED p1',
    ]);
    expect(metadata(changes[1]!.object).resourceVersion).toBe(bound);
    watch.abort();
  });

  it('compacted revision gets 410 ERROR', async () => {
    const old = standIn.resourceVersion();
    standIn.apply(node('a'));
    standIn.compact();
    const watch = await openWatch(config, '/api/v1/nodes', { resourceVersion: old });
    expect(await watch.done).toBeNull();
    expect(watch.events).toHaveLength(1);
    expect(watch.events[0]!.type).toBe('ERROR');
    expect(watch.events[0]!.object.code).toBe(410);
    expect(watch.events[0]!.object.reason).toBe('Expired');
    expect(String(watch.events[0]!.object.message)).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('history stops at historyLimit', async () => {
    const small = await startKubeStandIn({ historyLimit: 2 });
    try {
      const start = small.apply(node('a'));
      const second = small.apply(node('b'));
      small.apply(node('c'));
      small.apply(node('d'));
      const smallConfig = small.kubeConfig('small');
      const expired = await openWatch(smallConfig, '/api/v1/nodes', { resourceVersion: start });
      await expired.done;
      expect(expired.events.map((event) => event.type)).toEqual(['ERROR']);
      const resumed = await openWatch(smallConfig, '/api/v1/nodes', { resourceVersion: second });
      await resumed.waitFor((events) => events.length >= 2);
      expect(resumed.events.map((event) => metadata(event.object).name)).toEqual(['c', 'd']);
      resumed.abort();
    } finally {
      await small.close();
    }
  });

  it('ends a watch after timeoutSeconds', async () => {
    const started = Date.now();
    const watch = await openWatch(config, '/api/v1/nodes', { resourceVersion: standIn.resourceVersion(), timeoutSeconds: 1 });
    expect(await watch.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('breaks open watches on demand', async () => {
    const reset = await openWatch(config, '/api/v1/nodes', { resourceVersion: standIn.resourceVersion() });
    const ended = await openWatch(config, '/api/v1/pods', { resourceVersion: standIn.resourceVersion() });
    expect(standIn.openWatches()).toBe(2);
    expect(standIn.dropWatches('end')).toBe(2);
    expect(await ended.done).toBeNull();
    await reset.done;
    const again = await openWatch(config, '/api/v1/nodes', { resourceVersion: standIn.resourceVersion() });
    expect(standIn.dropWatches()).toBe(1);
    const error = await again.done;
    expect(error === null || error instanceof Error).toBe(true);
    expect(standIn.openWatches()).toBe(0);
  });

  it('merge patch uncordons, keeps status', async () => {
    standIn.apply(
      node('a', {
        spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
        status: { allocatable: { 'nvidia.com/gpu': '8' } },
      }),
    );
    const patched = await core.patchNode(
      { name: 'a', body: { spec: { unschedulable: false }, status: { allocatable: {} } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.spec?.unschedulable).toBe(false);
    const stored = standIn.get('Node', null, 'a') as V1Node & KubeObject;
    expect(stored.spec?.unschedulable).toBe(false);
    expect(stored.spec?.taints).toHaveLength(1);
    expect(stored.status?.allocatable).toEqual({ 'nvidia.com/gpu': '8' });
  });

  it('strategic patch replaces taints, merges conditions', async () => {
    standIn.apply(
      node('a', {
        spec: {
          taints: [
            { key: 'maintenance', value: 'mx-12', effect: 'NoSchedule' },
            { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
          ],
        },
        status: {
          conditions: [
            { type: 'Ready', status: 'False' },
            { type: 'GpuXidError', status: 'True' },
          ],
        },
      }),
    );
    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    await core.patchNode(
      { name: 'a', body: { spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] } } },
      strategic,
    );
    await core.patchNodeStatus(
      { name: 'a', body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } } },
      strategic,
    );
    const stored = standIn.get('Node', null, 'a') as V1Node & KubeObject;
    expect(stored.spec?.taints?.map((taint) => taint.key)).toEqual(['node.kubernetes.io/unreachable']);
    expect(stored.status?.conditions?.map((condition) => `${condition.type}=${condition.status}`)).toEqual([
      'Ready=True',
      'GpuXidError=True',
    ]);
  });

  it('applies json patches', async () => {
    standIn.apply(node('a', { metadata: { name: 'a', labels: { pool: 'h100' } } }));
    await core.patchNode({ name: 'a', body: [{ op: 'add', path: '/metadata/labels/zone', value: 'z1' }] });
    expect(metadata(standIn.get('Node', null, 'a')!).labels).toEqual({ pool: 'h100', zone: 'z1' });
    const failed = await apiError(
      core.patchNode({ name: 'a', body: [{ op: 'test', path: '/metadata/labels/pool', value: 'a100' }] }),
    );
    expect(failed.code).toBe(422);
  });

  it('rejects stale and unknown patches', async () => {
    const first = standIn.apply(node('a'));
    standIn.apply(node('a', { spec: { unschedulable: true } }));
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const conflict = await apiError(
      core.patchNode({ name: 'a', body: { metadata: { resourceVersion: first }, spec: { unschedulable: false } } }, merge),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    const missing = await apiError(core.patchNode({ name: 'nope', body: { spec: {} } }, merge));
    expect(missing.code).toBe(404);
  });

  it('logs each request with its status', async () => {
    const count = standIn.requests.length;
    await core.listNode({ fieldSelector: 'metadata.name=a' });
    const record = standIn.requests[count]!;
    expect(record.method).toBe('GET');
    expect(record.path).toBe('/api/v1/nodes');
    expect(record.query).toEqual({ fieldSelector: 'metadata.name=a' });
    expect(record.status).toBe(200);
  });
});
