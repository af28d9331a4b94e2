import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** The kinds a replay can put into a cluster: what Pitstop watches. */
export const REPLAYABLE_KINDS = ['Node', 'Pod'] as const;
export type ReplayableKind = (typeof REPLAYABLE_KINDS)[number];

/** A Node or Pod as `kubectl get -o json` prints it; only the fields a replay needs are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: ReplayableKind;
  metadata: { name: string; namespace?: string; uid?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface ObjectsResult {
  objects: KubeObject[];
  problems: string[];
}

/**
 * Decodes a file by its byte order mark: UTF-8 without one, UTF-8 or UTF-16 with one. Windows PowerShell 5
 * writes `kubectl ... > file` as UTF-16LE with a BOM, and some editors add a UTF-8 BOM.
 */
function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const text = bytes.toString('utf8');
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** Shows a value in a problem line, cut so that a whole file read as one string does not flood the output. */
function preview(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

/**
 * Characters no Kubernetes name contains that would also break the object's API path. Other departures
 * from the DNS name rules, such as the upper-case placeholders of a redacted dump, are replayed as they are.
 */
const UNUSABLE_NAME = /[/\s\u0000-\u001f%?#]/;

/**
 * Reads a file of Kubernetes objects: JSON (one object or a List, as `kubectl get nodes,pods -A -o json`
 * prints it) or YAML (one or more documents). Throws with the file name when it cannot be read or parsed.
 */
export function readObjectFile(path: string): unknown[] {
  let text: string;
  try {
    text = decodeText(readFileSync(path));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (/^\s*[[{]/.test(text)) {
    try {
      return [JSON.parse(text) as unknown];
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const documentErrors = list.flatMap((document) => document.errors);
  if (documentErrors.length > 0) {
    throw new Error(`${path} is not valid YAML: ${documentErrors[0]!.message.split('\n')[0]}`);
  }
  return list.map((document) => document.toJS() as unknown).filter((value) => value !== null && value !== undefined);
}

/**
 * Flattens objects and Lists (`List`, `NodeList`, `PodList`) into Nodes and Pods, and lists what is wrong
 * with each item that is not one. `where` names the source in problems, such as `steps[2].apply`.
 */
export function flattenObjects(inputs: unknown[], where: string): ObjectsResult {
  const objects: KubeObject[] = [];
  const problems: string[] = [];
  const otherKinds: { path: string; kind: string }[] = [];
  const visit = (value: unknown, path: string, listKind?: string): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: expected a Kubernetes object, got ${Array.isArray(value) ? 'an array' : preview(value)}`);
      return;
    }
    const record = value as Record<string, unknown>;
    const kind = typeof record.kind === 'string' ? record.kind : listKind?.replace(/List$/, '');
    if (kind !== undefined && (kind === 'List' || kind.endsWith('List'))) {
      if (!Array.isArray(record.items)) {
        problems.push(`${path}: ${kind} has no items list (got items: ${preview(record.items)}); put the objects under items`);
        return;
      }
      record.items.forEach((item, index) => visit(item, `${path}.items[${index}]`, kind === 'List' ? undefined : kind));
      return;
    }
    if (kind !== undefined && !(REPLAYABLE_KINDS as readonly string[]).includes(kind)) {
      otherKinds.push({ path, kind });
      return;
    }
    const object = checkObject(record, kind, path, problems);
    if (object) objects.push(object);
  };
  inputs.forEach((input, index) => visit(input, inputs.length > 1 ? `${where}[document ${index}]` : where));
  problems.push(...describeOtherKinds(otherKinds, where));
  return { objects, problems };
}

/** Most objects of other kinds named one per line; more are summed up by kind in one line. */
const LISTED_OTHER_KINDS = 5;

function describeOtherKinds(found: { path: string; kind: string }[], where: string): string[] {
  const fix = 'keep only Node and Pod objects (kubectl get nodes,pods -A -o json)';
  if (found.length <= LISTED_OTHER_KINDS) return found.map(({ path, kind }) => `${path}: kind ${kind} cannot be replayed; ${fix}`);
  const counts = new Map<string, number>();
  for (const { kind } of found) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const kinds = [...counts].map(([kind, count]) => `${kind} (${count})`).join(', ');
  return [`${where}: ${found.length} objects of kinds ${kinds} cannot be replayed, the first at ${found[0]!.path}; ${fix}`];
}

function checkObject(
  record: Record<string, unknown>,
  kind: string | undefined,
  path: string,
  problems: string[],
): KubeObject | undefined {
  if (kind === undefined) {
    problems.push(`${path}: object has no kind; set kind: Node or kind: Pod`);
    return undefined;
  }
  const metadata = record.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    problems.push(`${path}: ${kind} has no metadata object with a name`);
    return undefined;
  }
  const problem = nameProblem(kind, metadata as Record<string, unknown>);
  if (problem) {
    problems.push(`${path}: ${problem}`);
    return undefined;
  }
  const copy: Record<string, unknown> = { ...(metadata as Record<string, unknown>) };
  // The stand-in assigns resource versions; one copied from a dump would not match its sequence.
  delete copy.resourceVersion;
  if (kind === 'Pod' && typeof copy.namespace !== 'string') copy.namespace = 'default';
  if (kind === 'Node') delete copy.namespace;
  return { ...record, apiVersion: typeof record.apiVersion === 'string' ? record.apiVersion : 'v1', kind, metadata: copy } as KubeObject;
}

/** Returns what is wrong with an object's name and namespace, or undefined when Kubernetes would take them. */
function nameProblem(kind: string, metadata: Record<string, unknown>): string | undefined {
  const { name, namespace } = metadata;
  if (name === undefined || name === '') return `${kind} has no metadata.name`;
  if (typeof name !== 'string') return `${kind} metadata.name must be a string (got ${preview(name)})`;
  if (UNUSABLE_NAME.test(name) || name === '.' || name === '..') {
    return `${kind} name ${preview(name)} is not a Kubernetes name: use letters, digits, '-' and '.', without '/' or spaces`;
  }
  if (kind !== 'Pod' || namespace === undefined) return undefined;
  if (typeof namespace !== 'string' || namespace === '' || UNUSABLE_NAME.test(namespace)) {
    return `Pod ${name} has namespace ${preview(namespace)}, which is not a namespace name: use letters, digits and '-'`;
  }
  return undefined;
}

/** `Pod inference/chat-0` or `Node gpu-01`: how problems and the timeline name an object. */
export function describeObject(object: { kind: string; namespace?: string; name: string }): string {
  return object.namespace ? `${object.kind} ${object.namespace}/${object.name}` : `${object.kind} ${object.name}`;
}
