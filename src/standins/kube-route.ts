import type { ServerResponse } from 'node:http';
import { metadataOf, objectKey, resourceByPlural, statusBody, type KubeObject, type ResourceType } from './kube-resources.js';
import type { ObjectStore } from './kube-store.js';

/** Resource, namespace, name and subresource that a URL under `/api/v1` names. */
export interface Target {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: 'status' | undefined;
}

/** An error sent to the client as a `kind: Status` body. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendStatus(response: ServerResponse, error: StatusError): void {
  sendJson(response, error.code, statusBody(error.code, error.reason, error.message, error.details));
}

function notFoundRoute(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** Resolves `/api/v1/...` paths of the core group to a resource, namespace, name and subresource. */
export function parseTarget(pathname: string): Target {
  const segments = pathname.split('/').filter((segment) => segment !== '').map(decodeURIComponent);
  if (segments[0] !== 'api' || segments[1] !== 'v1') throw notFoundRoute();
  const rest = segments.slice(2);
  const namespacedForm = rest[0] === 'namespaces' && rest.length >= 3;
  const [plural, name, subresource, extra] = namespacedForm ? rest.slice(2) : rest;
  const namespace = namespacedForm ? rest[1] : undefined;
  const resource = plural === undefined ? undefined : resourceByPlural(plural);
  if (!resource || extra !== undefined) throw notFoundRoute();
  if (namespacedForm && !resource.namespaced) throw notFoundRoute();
  if (!namespacedForm && resource.namespaced && name !== undefined) throw notFoundRoute();
  if (subresource !== undefined && (subresource !== 'status' || !resource.statusSubresource)) throw notFoundRoute();
  return { resource, namespace, name, subresource: subresource === 'status' ? 'status' : undefined };
}

export function notFound(target: Target): StatusError {
  return new StatusError(404, 'NotFound', `${target.resource.plural} "${target.name}" not found`, {
    name: target.name,
    kind: target.resource.plural,
  });
}

export function storedObject(store: ObjectStore, target: Target): KubeObject {
  const object = store.get(target.resource, objectKey(target.resource, target.namespace, target.name ?? ''));
  if (!object) throw notFound(target);
  return object;
}

/** Checks that an object read from a request still names the object of the URL. */
export function checkIdentity(target: Target, object: KubeObject): void {
  const metadata = metadataOf(object);
  if (metadata.name !== target.name) {
    throw new StatusError(
      400,
      'BadRequest',
      `the name of the object (${String(metadata.name)}) does not match the name on the URL (${target.name})`,
    );
  }
  if (target.resource.namespaced && metadata.namespace !== target.namespace) {
    throw new StatusError(
      400,
      'BadRequest',
      `the namespace of the object (${String(metadata.namespace)}) does not match the namespace on the URL ` +
        `(${target.namespace})`,
    );
  }
}
