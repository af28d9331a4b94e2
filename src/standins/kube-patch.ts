import type { KubeObject } from './kube-resources.js';

/** A patch the server cannot apply, rejected with the given HTTP status. */
export class PatchError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Applies an RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

// Lists that strategic merge patch merges by a key instead of replacing, from the patchStrategy and
// patchMergeKey tags of k8s.io/api/core/v1. `[]` marks a path through list items. Lists missing here are
// atomic and replaced whole, as `spec.taints` of a Node is.
const MERGE_KEYS: Record<string, string> = {
  'metadata.ownerReferences': 'uid',
  'status.conditions': 'type',
  'status.addresses': 'type',
  'spec.containers': 'name',
  'spec.initContainers': 'name',
  'spec.ephemeralContainers': 'name',
  'spec.volumes': 'name',
  'spec.containers[].env': 'name',
  'spec.containers[].ports': 'containerPort',
  'spec.containers[].volumeMounts': 'mountPath',
  'spec.initContainers[].env': 'name',
  'spec.initContainers[].volumeMounts': 'mountPath',
};

// Lists of scalars that strategic merge patch unions instead of replacing.
const MERGED_SCALAR_LISTS = new Set(['metadata.finalizers', 'spec.podCIDRs']);

function mergeKeyedList(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  path: string,
): unknown[] {
  if (patch.some((item) => isPlainObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isPlainObject(item) && item.$patch === 'replace')).map(stripDirectives);
  }
  const result = original.map((item) => structuredClone(item));
  for (const item of patch) {
    if (!isPlainObject(item) || !(mergeKey in item)) {
      throw new PatchError(422, `strategic merge patch: an item of ${path} is missing its merge key "${mergeKey}"`);
    }
    const index = result.findIndex((existing) => isPlainObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], item, `${path}[]`);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    out[key] = stripDirectives(entry);
  }
  return out;
}

function strategicMerge(target: unknown, patch: unknown, path: string): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const removed = Array.isArray(value) ? value : [];
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((entry) => !removed.includes(entry));
      continue;
    }
    // NOTE: `$setElementOrder` and `$retainKeys` only reorder or prune; merged lists keep their existing order.
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
    } else if (isPlainObject(value) && value.$patch === 'delete') {
      delete result[key];
    } else if (Array.isArray(value)) {
      const current = result[key];
      const mergeKey = MERGE_KEYS[fieldPath];
      if (mergeKey !== undefined && Array.isArray(current)) {
        result[key] = mergeKeyedList(current, value, mergeKey, fieldPath);
      } else if (MERGED_SCALAR_LISTS.has(fieldPath) && Array.isArray(current)) {
        result[key] = [...current, ...value.filter((entry) => !current.includes(entry))];
      } else {
        result[key] = stripDirectives(value);
      }
    } else {
      result[key] = strategicMerge(result[key], value, fieldPath);
    }
  }
  return result;
}

/** Applies a strategic merge patch to a core/v1 object, with the list merge keys of the core types. */
export function applyStrategicMergePatch(target: KubeObject, patch: unknown): KubeObject {
  if (!isPlainObject(patch)) throw new PatchError(400, 'strategic merge patch: the patch must be a JSON object');
  return strategicMerge(target, patch, '') as KubeObject;
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(422, `json patch: invalid path "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(document: unknown, parts: string[], pointer: string): { parent: unknown; last: string } {
  let current = document;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else current = undefined;
    if (current === undefined) throw new PatchError(422, `json patch: path "${pointer}" does not exist`);
  }
  return { parent: current, last: parts[parts.length - 1]! };
}

function readPointer(document: unknown, pointer: string): unknown {
  let current = document;
  for (const part of decodePointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

function writePointer(document: unknown, pointer: string, value: unknown, mode: 'add' | 'replace'): unknown {
  const parts = decodePointer(pointer);
  if (parts.length === 0) return value;
  const { parent, last } = parentOf(document, parts, pointer);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new PatchError(422, `json patch: index "${last}" is out of range at "${pointer}"`);
    }
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isPlainObject(parent)) {
    if (mode === 'replace' && !(last in parent)) {
      throw new PatchError(422, `json patch: path "${pointer}" does not exist`);
    }
    parent[last] = value;
  } else {
    throw new PatchError(422, `json patch: path "${pointer}" does not exist`);
  }
  return document;
}

function removePointer(document: unknown, pointer: string): void {
  const parts = decodePointer(pointer);
  const { parent, last } = parentOf(document, parts, pointer);
  if (Array.isArray(parent) && Number(last) < parent.length) parent.splice(Number(last), 1);
  else if (isPlainObject(parent) && last in parent) delete parent[last];
  else throw new PatchError(422, `json patch: path "${pointer}" does not exist`);
}

/** Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function applyJsonPatch(target: KubeObject, patch: unknown): KubeObject {
  if (!Array.isArray(patch)) throw new PatchError(400, 'json patch: the patch must be a JSON array of operations');
  let document: unknown = structuredClone(target);
  for (const operation of patch) {
    if (!isPlainObject(operation) || typeof operation.path !== 'string') {
      throw new PatchError(400, `json patch: invalid operation ${JSON.stringify(operation)}`);
    }
    const { op, path } = operation;
    if (op === 'add' || op === 'replace') {
      document = writePointer(document, path, structuredClone(operation.value), op);
    } else if (op === 'remove') {
      removePointer(document, path);
    } else if (op === 'move' || op === 'copy') {
      const from = String(operation.from ?? '');
      const value = structuredClone(readPointer(document, from));
      if (value === undefined) throw new PatchError(422, `json patch: path "${from}" does not exist`);
      if (op === 'move') removePointer(document, from);
      document = writePointer(document, path, value, 'add');
    } else if (op === 'test') {
      if (JSON.stringify(readPointer(document, path)) !== JSON.stringify(operation.value)) {
        throw new PatchError(422, `json patch: test failed at "${path}"`);
      }
    } else {
      throw new PatchError(400, `json patch: unknown operation "${String(op)}"`);
    }
  }
  if (!isPlainObject(document)) throw new PatchError(422, 'json patch: the result is not a JSON object');
  return document;
}
