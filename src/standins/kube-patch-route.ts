import type { IncomingMessage } from 'node:http';
import { metadataOf, type KubeObject } from './kube-resources.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PATCH_TYPES, PatchError } from './kube-patch.js';
import type { ObjectStore } from './kube-store.js';
import { checkIdentity, StatusError, storedObject, type Target } from './kube-route.js';

// The API server rejects request bodies above 3 MiB.
const MAX_BODY_BYTES = 3 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new StatusError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StatusError(400, 'BadRequest', `the patch is not valid JSON: ${(error as Error).message}`);
  }
}

function patchObject(contentType: string, current: KubeObject, patch: unknown): KubeObject {
  try {
    switch (contentType) {
      case PATCH_TYPES.merge: {
        const result = applyMergePatch(current, patch);
        if (result === null || typeof result !== 'object' || Array.isArray(result)) {
          throw new PatchError(400, 'merge patch: the patch must be a JSON object');
        }
        return result as KubeObject;
      }
      case PATCH_TYPES.strategic:
        return applyStrategicMergePatch(current, patch);
      case PATCH_TYPES.json:
        return applyJsonPatch(current, patch);
      default:
        throw new StatusError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format "${contentType}" - accepted media types include: ` +
            Object.values(PATCH_TYPES).join(', '),
        );
    }
  } catch (error) {
    if (error instanceof PatchError) {
      throw new StatusError(error.code, error.code === 422 ? 'Invalid' : 'BadRequest', error.message);
    }
    throw error;
  }
}

/**
 * Applies a PATCH and stores the result. For resources with a status subresource, a patch of the main resource
 * keeps the stored status and a patch of `/status` changes only the status. A `resourceVersion` in the patched
 * object must match the stored one, or the patch fails with 409 Conflict.
 */
export async function handlePatch(store: ObjectStore, target: Target, request: IncomingMessage): Promise<KubeObject> {
  const current = storedObject(store, target);
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
  const patch = await readBody(request);
  const patched = patchObject(contentType, current, patch);
  checkIdentity(target, patched);
  const currentVersion = metadataOf(current).resourceVersion;
  const patchedVersion = metadataOf(patched).resourceVersion;
  if (patchedVersion !== undefined && patchedVersion !== currentVersion) {
    throw new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${target.resource.plural} "${target.name}": the object has been modified; ` +
        'please apply your changes to the latest version and try again',
      { name: target.name, kind: target.resource.plural },
    );
  }
  let result: KubeObject;
  if (target.subresource === 'status') {
    result = { ...structuredClone(current), status: patched.status };
  } else {
    result = { ...patched, kind: target.resource.kind, apiVersion: 'v1' };
    if (target.resource.statusSubresource) result.status = structuredClone(current.status);
  }
  if (result.status === undefined) delete result.status;
  const change = store.put(result);
  if (change) store.publish([change]);
  return structuredClone(storedObject(store, target));
}
