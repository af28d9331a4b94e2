import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { systemClock, type Clock } from '../clock.js';
import { createKubeHandler, type KubeRequestRecord } from './kube-http.js';
import { objectKey, resourceByKind, type KubeObject } from './kube-resources.js';
import { ObjectStore, type StoreChange } from './kube-store.js';
import { createServingCertificate } from './kube-tls.js';
import { WatchRegistry, type DropMode } from './kube-watch.js';

export type { KubeObject } from './kube-resources.js';
export type { KubeRequestRecord } from './kube-http.js';

export interface KubeStandInOptions {
  /** Bearer token clients must send; a random one by default. */
  token?: string;
  /** Writes kept for watches to resume from; older revisions get 410 Gone. Default 10000. */
  historyLimit?: number;
  /** Source of `creationTimestamp` for objects applied without one. */
  clock?: Clock;
}

/**
 * A local HTTPS server for the core/v1 part of the Kubernetes API that Pitstop's watchers use. It serves list
 * (with `limit`/`continue`), watch (with bookmarks, `timeoutSeconds` and 410 Gone), get and PATCH for Nodes,
 * Pods, Events and Namespaces. Field and label selectors apply, and every request needs the bearer token.
 */
export interface KubeStandIn {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The serving certificate, base64 PEM, as kubeconfig `certificate-authority-data` carries it. */
  caData: string;
  token: string;
  /** A kubeconfig file with one context of this name, pointing at the stand-in. */
  kubeconfigYaml(contextName: string): string;
  kubeConfig(contextName: string): KubeConfig;
  /**
   * Creates or replaces an object, or every item of a List, as `kubectl get -o json` prints them (status
   * included). Returns the resourceVersion of the store after the write.
   */
  apply(object: KubeObject): string;
  /** Deletes an object; returns the deletion's resourceVersion, or `null` when there was no such object. */
  delete(kind: string, namespace: string | null, name: string): string | null;
  get(kind: string, namespace: string | null, name: string): KubeObject | undefined;
  /** The latest resourceVersion, one counter across all kinds. */
  resourceVersion(): string;
  /** Every request received, in order. */
  requests: KubeRequestRecord[];
  /** Number of watch streams open now. */
  openWatches(): number;
  /** Breaks every open watch, by resetting the connection (default) or ending the stream; returns how many. */
  dropWatches(mode?: DropMode): number;
  /** Fails the next `count` requests with HTTP `code` (default 503) and a Status body, as an outage would. */
  failNext(count: number, code?: number): void;
  /**
   * Answers the next `count` watches with 410 Expired, whatever resourceVersion they ask for, while lists keep
   * working: a 410 storm, as from an API server whose watch cache lags behind compaction.
   */
  expireNextWatches(count: number): void;
  /** Drops the write history, so watches from any earlier resourceVersion get 410 Gone and must relist. */
  compact(): void;
  close(): Promise<void>;
}

function itemsOf(object: KubeObject): KubeObject[] {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (!kind.endsWith('List')) return [object];
  if (!Array.isArray(object.items)) throw new Error(`cannot apply ${kind}: items is not an array`);
  // Typed lists (NodeList) omit kind and apiVersion on their items; a plain List names them per item.
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  return (object.items as KubeObject[]).map((item) =>
    itemKind !== undefined && item.kind === undefined ? { apiVersion: 'v1', kind: itemKind, ...item } : item,
  );
}

function resourceFor(kind: string) {
  const resource = resourceByKind(kind);
  if (!resource) throw new Error(`unknown kind "${kind}": expected Node, Pod, Event or Namespace`);
  return resource;
}

/** Starts the stand-in on 127.0.0.1 with a fresh port and certificate. */
export async function startKubeStandIn(options: KubeStandInOptions = {}): Promise<KubeStandIn> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const store = new ObjectStore(options.historyLimit ?? 10_000, options.clock ?? systemClock);
  const watches = new WatchRegistry();
  const requests: KubeRequestRecord[] = [];
  const faults = { remaining: 0, code: 503, expiredWatches: 0 };
  const certificate = await createServingCertificate('pitstop-kube-stand-in');
  const server = createServer(
    { cert: certificate.cert, key: certificate.key },
    createKubeHandler({ store, token, watches, requests, faults }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const caData = Buffer.from(certificate.cert).toString('base64');

  const kubeConfig = (contextName: string) => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: contextName, server: url, caData, skipTLSVerify: false }],
      users: [{ name: contextName, token }],
      contexts: [{ name: contextName, cluster: contextName, user: contextName }],
      currentContext: contextName,
    });
    return config;
  };

  return {
    url,
    caData,
    token,
    kubeConfig,
    kubeconfigYaml: (contextName) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: contextName, cluster: { server: url, 'certificate-authority-data': caData } }],
        users: [{ name: contextName, user: { token } }],
        contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
        'current-context': contextName,
      }),
    apply(object) {
      const items = itemsOf(object);
      // Check every item before writing any, so a bad item leaves the store as it was.
      items.forEach((item, index) => {
        try {
          ObjectStore.check(item);
        } catch (error) {
          throw new Error(items.length > 1 ? `item ${index}: ${(error as Error).message}` : (error as Error).message);
        }
      });
      const changes = items.map((item) => store.put(item)).filter((change): change is StoreChange => change !== null);
      store.publish(changes);
      return String(store.revision);
    },
    delete(kind, namespace, name) {
      const resource = resourceFor(kind);
      const change = store.remove(resource, objectKey(resource, namespace ?? undefined, name));
      if (!change) return null;
      store.publish([change]);
      return String(change.revision);
    },
    get(kind, namespace, name) {
      const resource = resourceFor(kind);
      const object = store.get(resource, objectKey(resource, namespace ?? undefined, name));
      return object === undefined ? undefined : structuredClone(object);
    },
    resourceVersion: () => String(store.revision),
    requests,
    openWatches: () => watches.size,
    dropWatches: (mode = 'reset') => watches.drop(mode),
    failNext(count, code = 503) {
      if (!Number.isInteger(count) || count < 0) throw new Error(`invalid failure count ${count}: expected a whole number`);
      if (!Number.isInteger(code) || code < 400 || code > 599) throw new Error(`invalid failure code ${code}: expected 400-599`);
      faults.remaining = count;
      faults.code = code;
    },
    expireNextWatches(count) {
      if (!Number.isInteger(count) || count < 0) throw new Error(`invalid watch count ${count}: expected a whole number`);
      faults.expiredWatches = count;
    },
    compact: () => store.compact(),
    async close() {
      watches.drop('reset');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
