import { CoreV1Api, PatchStrategy, setHeaderOptions, ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import type { FleetChange, FleetView, FleetWriter } from './fleet.js';
import { toNodeView, toPodView, type NodeView, type PodView } from './views.js';
import { getJson, statusDetail } from './watch-http.js';
import { Reflector, type BackoffPolicy, type ReflectorOptions } from './watch-reflector.js';

export { backoffDelay, type BackoffPolicy } from './watch-reflector.js';

/** A cluster to watch and the client configuration that reaches it. */
export interface WatchedCluster {
  name: string;
  kubeConfig: KubeConfig;
}

export interface FleetWatchOptions {
  clusters: WatchedCluster[];
  /** Namespace whose pods are watched for GPU operator validator status. */
  gpuOperatorNamespace: string;
  log: Logger;
  /** Retry delays after errors; default 1 s doubling to 60 s. */
  backoff?: BackoffPolicy;
  /** How long `start` waits for every first list; default 60 s. */
  syncTimeoutMs?: number;
  /** Server-side watch timeout, randomised up to twice this; default 300 s. */
  watchTimeoutSeconds?: number;
  /** How long changes gather before listeners get them as one batch; default 100 ms. */
  coalesceMs?: number;
  /** Objects per list page; default 500. */
  pageSize?: number;
}

export interface CaughtUpOptions {
  /** Default 30 s. */
  timeoutMs?: number;
}

/** A {@link FleetView} kept current by list and watch, one set of watches per cluster. */
export interface FleetWatch extends FleetView {
  /**
   * Starts every watch and resolves once each cluster finished its first list. Rejects after the sync
   * timeout, naming each cluster that has not synced and its last error. The watches keep retrying.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves once every watch of the cluster processed events or bookmarks at or past `resourceVersion`, and
   * listeners received the changes up to it. Versions are compared as integers, which holds for etcd-backed
   * API servers and the stand-in, though Kubernetes documents them as opaque.
   */
  caughtUp(cluster: string, resourceVersion: string, options?: CaughtUpOptions): Promise<void>;
}

const DEFAULTS = {
  backoff: { initialMs: 1000, maxMs: 60_000 },
  syncTimeoutMs: 60_000,
  watchTimeoutSeconds: 300,
  coalesceMs: 100,
  pageSize: 500,
};

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);
// Phases that hold no node resources; kept out of pending pods and of podsOnNodes.
const ACTIVE_POD_SELECTOR = 'status.phase!=Succeeded,status.phase!=Failed';

/** Escapes a value for a field selector term. */
function fieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (character) => `\\${character}`);
}

function byName<T extends { name: string; namespace?: string }>(left: T, right: T): number {
  const leftKey = `${left.namespace ?? ''}/${left.name}`;
  const rightKey = `${right.namespace ?? ''}/${right.name}`;
  if (leftKey < rightKey) return -1;
  if (leftKey > rightKey) return 1;
  return 0;
}

/** Timestamps as the API server writes them (`2024-05-01T10:00:00Z`), whatever form a client produced. */
function wireTime(value: string | null): string | null {
  if (value === null) return null;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return value;
  return parsed.toISOString().replace('.000Z', 'Z');
}

interface Waiter {
  target: bigint;
  resolve: () => void;
}

/** The three watches of one cluster and what is derived from them. */
class ClusterWatch {
  readonly nodes: Reflector<NodeView>;
  readonly pending: Reflector<PodView>;
  readonly operator: Reflector<PodView>;
  waiters: Waiter[] = [];
  /** Bound pods per node that the last cluster-wide list found; chooses between per-node and cluster-wide lists. */
  measuredPodsPerNode: number | null = null;
  private operatorIndex: { version: number; byNode: Map<string, PodView[]> } | null = null;

  constructor(
    readonly cluster: WatchedCluster,
    options: Omit<ReflectorOptions, 'cluster' | 'kubeConfig'>,
    gpuOperatorNamespace: string,
    private readonly fleet: FleetWatchImpl,
  ) {
    const reflectorOptions = { ...options, cluster: cluster.name, kubeConfig: cluster.kubeConfig };
    const name = cluster.name;
    this.nodes = new Reflector<NodeView>(
      {
        name: 'nodes',
        path: '/api/v1/nodes',
        toView: (object) => normalizeNode(toNodeView(object, name)),
        keyOf: (view) => view.name,
        keep: () => true,
      },
      reflectorOptions,
      this.hooks((key, _view, deleted) => ({ type: 'node', cluster: name, name: key, deleted })),
    );
    this.pending = new Reflector<PodView>(
      {
        name: 'unscheduled pods',
        path: '/api/v1/pods',
        fieldSelector: `spec.nodeName=,${ACTIVE_POD_SELECTOR}`,
        toView: (object) => normalizePod(toPodView(object, name)),
        keyOf: (view) => view.uid,
        keep: (view) => !view.nodeName && !TERMINAL_PHASES.has(view.phase ?? ''),
      },
      reflectorOptions,
      this.hooks((key, _view, deleted) => ({ type: 'pod', cluster: name, uid: key, deleted })),
    );
    this.operator = new Reflector<PodView>(
      {
        name: 'gpu operator pods',
        path: `/api/v1/namespaces/${encodeURIComponent(gpuOperatorNamespace)}/pods`,
        toView: (object) => normalizePod(toPodView(object, name)),
        keyOf: (view) => view.uid,
        keep: () => true,
      },
      reflectorOptions,
      this.hooks((key, _view, deleted) => ({ type: 'pod', cluster: name, uid: key, deleted })),
    );
  }

  private hooks<View>(toChange: (key: string, view: View, deleted: boolean) => FleetChange) {
    return {
      change: (key: string, view: View, deleted: boolean) => this.fleet.queue(toChange(key, view, deleted)),
      progress: () => this.fleet.progress(this),
      synced: () => {
        if (this.synced()) this.fleet.queue({ type: 'synced', cluster: this.cluster.name });
      },
      error: (error: Error) => this.fleet.queue({ type: 'error', cluster: this.cluster.name, error }),
    };
  }

  get reflectors(): Reflector<NodeView | PodView>[] {
    return [this.nodes, this.pending, this.operator] as Reflector<NodeView | PodView>[];
  }

  synced(): boolean {
    return this.reflectors.every((reflector) => reflector.hasSynced);
  }

  /** True when every watch has seen the target revision. */
  reached(target: bigint): boolean {
    return this.reflectors.every((reflector) => {
      const seen = reflector.resourceVersion;
      return /^\d+$/.test(seen) && BigInt(seen) >= target;
    });
  }

  describeProgress(): string {
    return this.reflectors.map((reflector) => `${reflector.spec.name} at ${reflector.resourceVersion || 'none'}`).join(', ');
  }

  operatorPodsOn(node: string): PodView[] {
    if (this.operatorIndex?.version !== this.operator.version) {
      const byNode = new Map<string, PodView[]>();
      for (const view of this.operator.items.values()) {
        if (!view.nodeName) continue;
        const list = byNode.get(view.nodeName) ?? [];
        list.push(view);
        byNode.set(view.nodeName, list);
      }
      for (const list of byNode.values()) list.sort(byName);
      this.operatorIndex = { version: this.operator.version, byNode };
    }
    return [...(this.operatorIndex.byNode.get(node) ?? [])];
  }
}

function normalizeNode(view: NodeView): NodeView {
  return {
    ...view,
    creationTimestamp: wireTime(view.creationTimestamp),
    taints: view.taints?.map((taint) => ({ ...taint, timeAdded: wireTime(taint.timeAdded) })) ?? view.taints,
    conditions:
      view.conditions?.map((condition) => ({
        ...condition,
        lastHeartbeatTime: wireTime(condition.lastHeartbeatTime),
        lastTransitionTime: wireTime(condition.lastTransitionTime),
      })) ?? view.conditions,
  };
}

function normalizePod(view: PodView): PodView {
  return {
    ...view,
    creationTimestamp: wireTime(view.creationTimestamp),
    scheduled: view.scheduled
      ? { ...view.scheduled, lastTransitionTime: wireTime(view.scheduled.lastTransitionTime) }
      : null,
  };
}

class FleetWatchImpl implements FleetWatch {
  private readonly byName = new Map<string, ClusterWatch>();
  private readonly listeners = new Set<(changes: FleetChange[]) => void>();
  private pending = new Map<string, FleetChange>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger;
  private readonly syncTimeoutMs: number;
  /** Set by stop(), so a start() still waiting for the first lists gives up at once. */
  private stopped = false;
  private readonly coalesceMs: number;
  private readonly pageSize: number;

  constructor(options: FleetWatchOptions) {
    this.log = options.log;
    this.syncTimeoutMs = options.syncTimeoutMs ?? DEFAULTS.syncTimeoutMs;
    this.coalesceMs = options.coalesceMs ?? DEFAULTS.coalesceMs;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
    const backoff = options.backoff ?? DEFAULTS.backoff;
    if (!(backoff.initialMs > 0) || !(backoff.maxMs >= backoff.initialMs)) {
      throw new Error(
        `invalid watch backoff ${JSON.stringify(backoff)}: initialMs must be positive and maxMs at least initialMs`,
      );
    }
    const reflectorOptions = {
      log: options.log,
      backoff,
      pageSize: this.pageSize,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
    };
    for (const cluster of options.clusters) {
      if (this.byName.has(cluster.name)) throw new Error(`cluster "${cluster.name}" is listed twice`);
      this.byName.set(cluster.name, new ClusterWatch(cluster, reflectorOptions, options.gpuOperatorNamespace, this));
    }
  }

  private get(cluster: string): ClusterWatch {
    const watch = this.byName.get(cluster);
    if (!watch) {
      throw new Error(`unknown cluster "${cluster}": watching ${[...this.byName.keys()].join(', ') || 'no clusters'}`);
    }
    return watch;
  }

  async start(): Promise<void> {
    for (const watch of this.byName.values()) {
      this.log.info({ cluster: watch.cluster.name }, 'starting cluster watches');
      for (const reflector of watch.reflectors) reflector.start();
    }
    this.stopped = false;
    const deadline = Date.now() + this.syncTimeoutMs;
    while (![...this.byName.values()].every((watch) => watch.synced())) {
      if (this.stopped) throw new Error('the fleet watch was stopped before every cluster finished its first list');
      if (Date.now() >= deadline) throw this.syncTimeoutError();
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
  }

  private syncTimeoutError(): Error {
    const causes = [...this.byName.values()]
      .filter((watch) => !watch.synced())
      .map((watch) => {
        const unsynced = watch.reflectors.filter((reflector) => !reflector.hasSynced);
        const error = unsynced.map((reflector) => reflector.lastError).find((entry) => entry !== null);
        const names = unsynced.map((reflector) => reflector.spec.name).join(', ');
        return `cluster "${watch.cluster.name}" (${names}): ${error ? error.message : 'no response from the API server'}`;
      });
    return new Error(`Kubernetes watches did not finish their first list within ${this.syncTimeoutMs} ms: ${causes.join('; ')}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.byName.values()].flatMap((watch) => watch.reflectors.map((reflector) => reflector.stop())));
    this.flush();
  }

  async caughtUp(cluster: string, resourceVersion: string, options: CaughtUpOptions = {}): Promise<void> {
    const watch = this.get(cluster);
    if (!/^\d+$/.test(resourceVersion)) {
      throw new Error(`invalid resourceVersion "${resourceVersion}": caughtUp compares integer versions`);
    }
    const target = BigInt(resourceVersion);
    if (watch.reached(target)) {
      this.flush();
      return;
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        watch.waiters = watch.waiters.filter((entry) => entry !== waiter);
        reject(
          new Error(
            `cluster "${cluster}" did not reach resourceVersion ${resourceVersion} within ${timeoutMs} ms ` +
              `(${watch.describeProgress()})`,
          ),
        );
      }, timeoutMs);
      watch.waiters.push(waiter);
    });
  }

  /** Wakes the waiters of a cluster whose watches all reached their target. */
  progress(watch: ClusterWatch): void {
    if (watch.waiters.length === 0) return;
    const ready = watch.waiters.filter((waiter) => watch.reached(waiter.target));
    if (ready.length === 0) return;
    watch.waiters = watch.waiters.filter((waiter) => !ready.includes(waiter));
    this.flush();
    for (const waiter of ready) waiter.resolve();
  }

  queue(change: FleetChange): void {
    const key =
      change.type === 'node'
        ? `node:${change.cluster}:${change.name}`
        : change.type === 'pod'
          ? `pod:${change.cluster}:${change.uid}`
          : `${change.type}:${change.cluster}`;
    this.pending.delete(key);
    this.pending.set(key, change);
    this.flushTimer ??= setTimeout(() => this.flush(), this.coalesceMs);
  }

  /** Hands the gathered changes to every listener as one batch. */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.log.error({ err: error, changes: batch.length }, 'fleet change listener failed');
      }
    }
  }

  clusters(): string[] {
    return [...this.byName.keys()];
  }

  synced(cluster: string): boolean {
    return this.get(cluster).synced();
  }

  nodes(cluster: string): NodeView[] {
    return [...this.get(cluster).nodes.items.values()].sort(byName);
  }

  node(cluster: string, name: string): NodeView | undefined {
    return this.get(cluster).nodes.items.get(name);
  }

  pendingPods(cluster: string): PodView[] {
    return [...this.get(cluster).pending.items.values()].sort(byName);
  }

  validatorPods(cluster: string, node: string): PodView[] {
    return this.get(cluster).operatorPodsOn(node);
  }

  podsOnNodes(cluster: string, nodes: string[]): Promise<PodView[]> {
    return listPodsOnNodes(this.get(cluster), [...new Set(nodes)], this.pageSize);
  }

  onChange(listener: (changes: FleetChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

async function listPods(config: KubeConfig, cluster: string, fieldSelector: string, pageSize: number) {
  const views: PodView[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = (await getJson(config, '/api/v1/pods', { fieldSelector, limit: String(pageSize), continue: token })) as {
      metadata?: { continue?: string };
      items?: Record<string, unknown>[];
    };
    pages++;
    for (const item of page.items ?? []) views.push(normalizePod(toPodView(item, cluster)));
    token = page.metadata?.continue || undefined;
  } while (token !== undefined);
  return { views, pages };
}

// Until a cluster-wide list has been measured, a node is assumed to run this many pods.
// NOTE: a guess; the first cluster-wide list replaces it with the measured density.
const ASSUMED_PODS_PER_NODE = 30;

/**
 * Lists the non-terminal pods bound to the given nodes with whichever takes fewer requests: one list per node
 * (`spec.nodeName=<node>`), or one cluster-wide paged list of bound pods filtered here. The cluster-wide page
 * count is estimated from the watched node count and the pod density the last cluster-wide list measured.
 */
async function listPodsOnNodes(watch: ClusterWatch, nodes: string[], pageSize: number): Promise<PodView[]> {
  if (nodes.length === 0) return [];
  const { name, kubeConfig } = watch.cluster;
  const podsPerNode = watch.measuredPodsPerNode ?? ASSUMED_PODS_PER_NODE;
  const clusterPages = Math.max(1, Math.ceil((Math.max(watch.nodes.items.size, nodes.length) * podsPerNode) / pageSize));
  if (nodes.length <= clusterPages) {
    const lists = await Promise.all(
      nodes.map((node) => listPods(kubeConfig, name, `spec.nodeName=${fieldValue(node)},${ACTIVE_POD_SELECTOR}`, pageSize)),
    );
    return lists.flatMap((list) => list.views).sort(byName);
  }
  const selectedNodes = new Set(nodes);
  const { views } = await listPods(kubeConfig, name, `spec.nodeName!=,${ACTIVE_POD_SELECTOR}`, pageSize);
  if (watch.nodes.items.size > 0) watch.measuredPodsPerNode = Math.max(1, views.length / watch.nodes.items.size);
  return views.filter((view) => view.nodeName !== null && selectedNodes.has(view.nodeName)).sort(byName);
}

/** Creates the watches for every configured cluster; call `start` to begin listing. */
export function createFleetWatch(options: FleetWatchOptions): FleetWatch {
  return new FleetWatchImpl(options);
}

/** Describes a failed client call by its HTTP code and Status message, without the headers ApiException carries. */
function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const detail = statusDetail(error.body);
    return `HTTP ${error.code}${detail.reason ? ` ${detail.reason}` : ''}${detail.message ? `: ${detail.message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Creates the writer for cluster changes Pitstop may make. */
export function createFleetWriter(clusters: WatchedCluster[]): FleetWriter {
  const apis = new Map(clusters.map((cluster) => [cluster.name, cluster.kubeConfig.makeApiClient(CoreV1Api)]));
  return {
    /** Sets `spec.unschedulable` to false with a JSON merge patch; the node's taints stay as they are. */
    async uncordon(cluster: string, node: string): Promise<void> {
      const api = apis.get(cluster);
      if (!api) throw new Error(`cannot uncordon ${node}: unknown cluster "${cluster}"`);
      try {
        await api.patchNode(
          { name: node, body: { spec: { unschedulable: false } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (error) {
        throw new Error(`uncordon of node "${node}" in cluster "${cluster}" failed: ${describeApiError(error)}`, {
          cause: error,
        });
      }
    },
  };
}
