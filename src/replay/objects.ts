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
 * Reads a file of Kubernetes objects: JSON (one object or a List, as `kubectl get nodes,pods -A -o json`
 * prints it) or YAML (one or more documents). Throws with the file name when it cannot be read or parsed.
 */
export function readObjectFile(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
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
  const visit = (value: unknown, path: string, listKind?: string): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: expected a Kubernetes object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
      return;
    }
    const record = value as Record<string, unknown>;
    const kind = typeof record.kind === 'string' ? record.kind : listKind?.replace(/List$/, '');
    if (kind !== undefined && (kind === 'List' || kind.endsWith('List')) && Array.isArray(record.items)) {
      record.items.forEach((item, index) => visit(item, `${path}.items[${index}]`, kind === 'List' ? undefined : kind));
      return;
    }
    const object = checkObject(record, kind, path, problems);
    if (object) objects.push(object);
  };
  inputs.forEach((input, index) => visit(input, inputs.length > 1 ? `${where}[document ${index}]` : where));
  return { objects, problems };
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
  if (!(REPLAYABLE_KINDS as readonly string[]).includes(kind)) {
    problems.push(
      `${path}: kind ${kind} cannot be replayed; keep only Node and Pod objects (kubectl get nodes,pods -A -o json)`,
    );
    return undefined;
  }
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (metadata === undefined || typeof metadata !== 'object' || typeof metadata.name !== 'string' || metadata.name === '') {
    problems.push(`${path}: ${kind} has no metadata.name`);
    return undefined;
  }
  const copy: Record<string, unknown> = { ...metadata };
  // The stand-in assigns resource versions; one copied from a dump would not match its sequence.
  delete copy.resourceVersion;
  if (kind === 'Pod' && typeof copy.namespace !== 'string') copy.namespace = 'default';
  if (kind === 'Node') delete copy.namespace;
  return { ...record, apiVersion: typeof record.apiVersion === 'string' ? record.apiVersion : 'v1', kind, metadata: copy } as KubeObject;
}

/** `Pod inference/chat-0` or `Node gpu-01`: how problems and the timeline name an object. */
export function describeObject(object: { kind: string; namespace?: string; name: string }): string {
  return object.namespace ? `${object.kind} ${object.namespace}/${object.name}` : `${object.kind} ${object.name}`;
}
