import { metadataOf, objectKey, type KubeObject } from './kube-resources.js';
import { parseFieldSelector, parseLabelSelector, type Matcher } from './kube-selectors.js';
import { ExpiredError, type ObjectStore } from './kube-store.js';
import { StatusError, type Target } from './kube-route.js';

/** Combines the namespace of the URL with the `fieldSelector` and `labelSelector` query parameters. */
export function buildMatcher(target: Target, params: URLSearchParams): Matcher {
  const fields = parseFieldSelector(params.get('fieldSelector') ?? '', target.resource);
  const labels = parseLabelSelector(params.get('labelSelector') ?? '');
  const namespace = target.namespace;
  return (object) =>
    (namespace === undefined || metadataOf(object).namespace === namespace) && fields(object) && labels(object);
}

interface ContinueToken {
  revision: number;
  after: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ rv: token.revision, start: token.after })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') {
      return { revision: parsed.rv, after: parsed.start };
    }
  } catch {
    // Fall through to the error below: any undecodable token is invalid.
  }
  throw new StatusError(400, 'BadRequest', `continue key is not valid: "${text}"`);
}

function parseLimit(text: string | null): number {
  if (text === null || text === '') return 0;
  if (!/^\d+$/.test(text)) throw new StatusError(400, 'BadRequest', `invalid limit "${text}": expected a whole number`);
  return Number(text);
}

/** Returns the revision a list reads: the continue token's, an exact `resourceVersion`, or the latest. */
function listRevision(store: ObjectStore, params: URLSearchParams, token: ContinueToken | null): number {
  if (token) return token.revision;
  const requested = params.get('resourceVersion') ?? '';
  if (requested !== '' && !/^\d+$/.test(requested)) {
    throw new StatusError(400, 'BadRequest', `invalid resourceVersion "${requested}": expected a number`);
  }
  if (params.get('resourceVersionMatch') === 'Exact') {
    if (requested === '') {
      throw new StatusError(400, 'BadRequest', 'resourceVersionMatch=Exact requires a resourceVersion');
    }
    return Number(requested);
  }
  return store.revision;
}

/**
 * Serves a list. Pages from `limit`/`continue` all show the revision of the first page, as the API server's
 * consistent lists do, and a token older than the retained history gets 410 Expired.
 */
export function handleList(store: ObjectStore, target: Target, params: URLSearchParams): KubeObject {
  const matches = buildMatcher(target, params);
  const continueText = params.get('continue');
  const token = continueText ? decodeContinue(continueText) : null;
  const limit = parseLimit(params.get('limit'));
  const revision = listRevision(store, params, token);
  let objects: KubeObject[];
  try {
    objects = store.list(target.resource, revision);
  } catch (error) {
    if (error instanceof ExpiredError && token) {
      throw new StatusError(
        410,
        'Expired',
        'The provided continue parameter is too old to display a consistent list result. ' +
          'You can start a new list without the continue parameter.',
      );
    }
    throw error;
  }
  const keyOf = (object: KubeObject) => {
    const metadata = metadataOf(object);
    return objectKey(target.resource, metadata.namespace as string | undefined, metadata.name as string);
  };
  const selected = objects.filter((object) => (!token || keyOf(object) > token.after) && matches(object));
  const page = limit > 0 ? selected.slice(0, limit) : selected;
  const remaining = selected.length - page.length;
  const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
  if (remaining > 0) {
    metadata.continue = encodeContinue({ revision, after: keyOf(page[page.length - 1]!) });
    const selectorGiven = (params.get('fieldSelector') ?? '') !== '' || (params.get('labelSelector') ?? '') !== '';
    if (!selectorGiven) metadata.remainingItemCount = remaining;
  }
  return {
    kind: target.resource.listKind,
    apiVersion: 'v1',
    metadata,
    items: page.map((object) => structuredClone(object)),
  };
}
