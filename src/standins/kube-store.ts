import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { metadataOf, objectKey, resourceByKind, type KubeObject, type ResourceType } from './kube-resources.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One write, as watches replay it. */
export interface StoreChange {
  revision: number;
  type: WatchEventType;
  resource: ResourceType;
  key: string;
  /** The object before the write; `undefined` for a create. */
  previous: KubeObject | undefined;
  /** The object after the write; for a delete, its last state stamped with the deletion's revision. */
  object: KubeObject;
}

/** A request for a revision older than the retained history, which the server rejects with 410 Gone. */
export class ExpiredError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export type StoreListener = (changes: StoreChange[], revision: number) => void;

function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left).filter((key) => (left as Record<string, unknown>)[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => (right as Record<string, unknown>)[key] !== undefined);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every((key) =>
    deepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
  );
}

/**
 * Objects by resource type and key, with one revision counter across all types (as etcd has) and a bounded
 * history of writes that watches resume from. Writes are staged with `put`/`remove` and announced with `publish`.
 */
export class ObjectStore {
  private counter = 0;
  private compacted = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoreChange[] = [];
  private readonly listeners = new Set<StoreListener>();

  /** Throws the error `put` would throw for this object, without storing it. */
  static check(object: KubeObject): void {
    normalize(object);
  }

  constructor(
    private readonly historyLimit: number,
    private readonly clock: Clock,
  ) {}

  /** The revision of the latest write. */
  get revision(): number {
    return this.counter;
  }

  /** Watches and continued lists from a revision older than this one get 410 Gone. */
  get compactedRevision(): number {
    return this.compacted;
  }

  private bucket(resource: ResourceType): Map<string, KubeObject> {
    let bucket = this.objects.get(resource.plural);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(resource.plural, bucket);
    }
    return bucket;
  }

  get(resource: ResourceType, key: string): KubeObject | undefined {
    return this.bucket(resource).get(key);
  }

  /** Objects of one type at a revision (the latest by default), sorted by key. */
  list(resource: ResourceType, revision = this.counter): KubeObject[] {
    if (revision < this.compacted) throw new ExpiredError(revision, this.compacted);
    const state = new Map(this.bucket(resource));
    for (let index = this.history.length - 1; index >= 0; index--) {
      const change = this.history[index]!;
      if (change.revision <= revision) break;
      if (change.resource !== resource) continue;
      if (change.previous === undefined) state.delete(change.key);
      else state.set(change.key, change.previous);
    }
    return [...state.entries()].sort(([left], [right]) => (left < right ? -1 : 1)).map(([, object]) => object);
  }

  /** Writes after a revision, for a watch that resumes there. */
  changesSince(revision: number): StoreChange[] {
    if (revision < this.compacted) throw new ExpiredError(revision, this.compacted);
    return this.history.filter((change) => change.revision > revision);
  }

  /** Creates or replaces an object; returns `null` when the object is unchanged, so nothing is written. */
  put(input: KubeObject): StoreChange | null {
    const { resource, object } = normalize(input);
    const metadata = metadataOf(object);
    const key = objectKey(resource, metadata.namespace as string | undefined, metadata.name as string);
    const bucket = this.bucket(resource);
    const previous = bucket.get(key);
    const previousMetadata = previous ? metadataOf(previous) : undefined;
    metadata.uid ??= previousMetadata?.uid ?? randomUUID();
    metadata.creationTimestamp ??= previousMetadata?.creationTimestamp ?? this.timestamp();
    if (previous) {
      metadata.resourceVersion = previousMetadata!.resourceVersion;
      if (deepEqual(previous, object)) return null;
    }
    metadata.resourceVersion = String(++this.counter);
    bucket.set(key, object);
    return { revision: this.counter, type: previous ? 'MODIFIED' : 'ADDED', resource, key, previous, object };
  }

  remove(resource: ResourceType, key: string): StoreChange | null {
    const bucket = this.bucket(resource);
    const previous = bucket.get(key);
    if (!previous) return null;
    bucket.delete(key);
    const object = structuredClone(previous);
    metadataOf(object).resourceVersion = String(++this.counter);
    return { revision: this.counter, type: 'DELETED', resource, key, previous, object };
  }

  /** Records staged writes in the history and notifies every listener. */
  publish(changes: StoreChange[]): void {
    if (changes.length === 0) return;
    this.history.push(...changes);
    while (this.history.length > this.historyLimit) this.compacted = this.history.shift()!.revision;
    for (const listener of this.listeners) listener(changes, this.counter);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops the whole history, as etcd compaction does, so any older revision now gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.compacted = this.counter;
  }

  private timestamp(): string {
    return this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

/** Checks an object to store and copies it; kind, apiVersion and name must be present. */
function normalize(input: KubeObject): { resource: ResourceType; object: KubeObject } {
  const kind = typeof input.kind === 'string' ? input.kind : '';
  const resource = resourceByKind(kind);
  if (!resource) {
    throw new Error(`cannot store kind "${kind}": the stand-in serves Node, Pod, Event and Namespace (or a List of them)`);
  }
  if (input.apiVersion !== undefined && input.apiVersion !== 'v1') {
    throw new Error(
      `cannot store ${kind} with apiVersion "${String(input.apiVersion)}": only core v1 objects are served`,
    );
  }
  const object = structuredClone(input);
  object.apiVersion = 'v1';
  const metadata = metadataOf(object);
  object.metadata = metadata;
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    throw new Error(`cannot store ${kind} without metadata.name`);
  }
  if (resource.namespaced) metadata.namespace ??= 'default';
  else delete metadata.namespace;
  return { resource, object };
}
