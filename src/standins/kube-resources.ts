/** A Kubernetes object as JSON, the way the API server stores and prints it. */
export type KubeObject = Record<string, unknown>;

/** A core/v1 resource type the stand-in serves. */
export interface ResourceType {
  kind: string;
  listKind: string;
  /** Resource name in URLs, such as `pods`. */
  plural: string;
  namespaced: boolean;
  /** True when `status` can only be written through the `/status` subresource. */
  statusSubresource: boolean;
  /** Fields the API server accepts in a field selector for this resource, with how each is read. */
  fields: Record<string, (object: KubeObject) => string>;
}

/** Reads a dotted path from an object, as the API server renders field selector values. */
export function fieldValue(object: KubeObject, path: string, fallback = ''): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return fallback;
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return fallback;
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

function field(path: string, fallback = ''): (object: KubeObject) => string {
  return (object) => fieldValue(object, path, fallback);
}

const NAME_FIELDS = { 'metadata.name': field('metadata.name') };
const NAMESPACED_FIELDS = { ...NAME_FIELDS, 'metadata.namespace': field('metadata.namespace') };

// Field lists follow the field label conversion functions of kube-apiserver for core/v1.
export const RESOURCE_TYPES: ResourceType[] = [
  {
    kind: 'Node',
    listKind: 'NodeList',
    plural: 'nodes',
    namespaced: false,
    statusSubresource: true,
    fields: { ...NAME_FIELDS, 'spec.unschedulable': field('spec.unschedulable', 'false') },
  },
  {
    kind: 'Pod',
    listKind: 'PodList',
    plural: 'pods',
    namespaced: true,
    statusSubresource: true,
    fields: {
      ...NAMESPACED_FIELDS,
      'spec.nodeName': field('spec.nodeName'),
      'spec.restartPolicy': field('spec.restartPolicy'),
      'spec.schedulerName': field('spec.schedulerName'),
      'spec.serviceAccountName': field('spec.serviceAccountName'),
      'spec.hostNetwork': field('spec.hostNetwork', 'false'),
      'status.phase': field('status.phase'),
      'status.podIP': field('status.podIP'),
      'status.nominatedNodeName': field('status.nominatedNodeName'),
    },
  },
  {
    kind: 'Event',
    listKind: 'EventList',
    plural: 'events',
    namespaced: true,
    statusSubresource: false,
    fields: {
      ...NAMESPACED_FIELDS,
      'involvedObject.kind': field('involvedObject.kind'),
      'involvedObject.namespace': field('involvedObject.namespace'),
      'involvedObject.name': field('involvedObject.name'),
      'involvedObject.uid': field('involvedObject.uid'),
      'involvedObject.apiVersion': field('involvedObject.apiVersion'),
      'involvedObject.resourceVersion': field('involvedObject.resourceVersion'),
      'involvedObject.fieldPath': field('involvedObject.fieldPath'),
      reason: field('reason'),
      reportingComponent: field('reportingComponent'),
      source: field('source.component'),
      type: field('type'),
    },
  },
  {
    kind: 'Namespace',
    listKind: 'NamespaceList',
    plural: 'namespaces',
    namespaced: false,
    statusSubresource: true,
    fields: { ...NAME_FIELDS, 'status.phase': field('status.phase') },
  },
];

export function resourceByKind(kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => type.kind === kind);
}

export function resourceByPlural(plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => type.plural === plural);
}

/** Object metadata, or an empty object when the object has none. */
export function metadataOf(object: KubeObject): Record<string, unknown> {
  const metadata = object.metadata;
  return metadata !== null && typeof metadata === 'object' ? (metadata as Record<string, unknown>) : {};
}

/** Store key: `namespace/name` for namespaced kinds, `name` otherwise, so keys sort the way etcd lists them. */
export function objectKey(resource: ResourceType, namespace: string | undefined, name: string): string {
  return resource.namespaced ? `${namespace ?? 'default'}/${name}` : name;
}

/** Builds the `kind: Status` body the API server sends with every error. */
export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): KubeObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}
