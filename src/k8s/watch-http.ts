import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

/** A non-2xx response from a Kubernetes API server, with the reason and message of its Status body. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    readonly detail: string,
    readonly path: string,
  ) {
    super(`GET ${path} failed: HTTP ${statusCode} ${reason}${detail ? `: ${detail}` : ''}`);
  }
}

/** True for 410 Gone, however the client library or this module reported it. */
export function isGone(error: unknown): boolean {
  if (error instanceof KubeApiError || error instanceof ApiException) {
    return (error instanceof KubeApiError ? error.statusCode : error.code) === 410;
  }
  const record = error as { statusCode?: unknown; code?: unknown } | null;
  return record?.statusCode === 410 || record?.code === 410;
}

/** Reads the reason and message from an error body that may be a Status object, JSON text or anything else. */
export function statusDetail(body: unknown): { reason: string; message: string } {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { reason: '', message: body.slice(0, 300) };
    }
  }
  const status = (parsed ?? {}) as { reason?: unknown; message?: unknown };
  return {
    reason: typeof status.reason === 'string' ? status.reason : '',
    message: typeof status.message === 'string' ? status.message : '',
  };
}

const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Sends a GET and parses the JSON response as the server wrote it. Lists are read this way, and not through the
 * generated API classes, because those turn objects into model classes (Date timestamps, every optional key
 * present) while watch events arrive as plain JSON; reading both raw gives one view of an object either way.
 * TLS and credentials come from the KubeConfig, exactly as the client library's own Watch applies them.
 */
export async function getJson(
  config: KubeConfig,
  path: string,
  query: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<unknown> {
  signal?.throwIfAborted();
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig has no cluster for context "${config.getCurrentContext()}"`);
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const options: RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'GET',
        agent: options.agent,
        auth: options.auth,
        headers: { ...options.headers, Accept: 'application/json' },
        timeout: REQUEST_TIMEOUT_MS,
        signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = response.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            try {
              resolve(JSON.parse(text));
            } catch (error) {
              reject(new Error(`GET ${url.pathname} returned invalid JSON: ${(error as Error).message}`));
            }
            return;
          }
          const detail = statusDetail(text);
          reject(new KubeApiError(code, detail.reason || response.statusMessage || '', detail.message, url.pathname));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${url.pathname} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end();
  });
}
