import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VENDORS, type Vendor } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { NoticeFormatError, readNotice } from './index.js';
import { matchNotice } from './match.js';
import { applyNoticeToMaintenances } from './notice-maintenance.js';
import { insertNotice, latestNoticeFrom, listNotices, type NoticeStatus, type StoredEventMatch } from './notice-store.js';
import type { NoticeReading, VendorEvent } from './types.js';

export { matchNotice, type EventMatch, type NodeMatch, type NoticeMatch } from './match.js';
export { getNotice, listNotices, type NoticeRecord, type NoticeStatus } from './notice-store.js';

/** Largest body the intake reads; a larger one is stored cut at this size and rejected with 413. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Formats whose every document lists all open events, so an event missing from the next document of the
 * same origin has ended or was cancelled. Azure removes events instead of completing them, and the GCE
 * metadata keys go back to `NONE` or empty.
 */
const SNAPSHOT_FORMATS = new Set([
  'azure-imds-scheduledevents',
  'gce-metadata-maintenance-event',
  'gce-metadata-upcoming-maintenance',
  'gce-metadata-upcoming-maintenance-text',
]);

/** Query parameters of `POST /notices`; each one is optional. */
export interface IntakeParams {
  vendor?: string;
  format?: string;
  /** The node or instance the notice was read on; also its origin unless `origin` is given. */
  resource?: string;
  reason?: string;
  /** Where the notice came from, such as a feed URL; snapshots are compared per origin. */
  origin?: string;
}

function originOf(params: IntakeParams): string | null {
  return params.origin ?? params.resource ?? null;
}

export interface IntakeResponse {
  status: number;
  body: Record<string, unknown>;
}

function eventIdentity(event: VendorEvent): string {
  if (event.eventId !== null) return `id:${event.eventId.toLowerCase()}`;
  return `${event.kind}:${[...event.resources].sort().join(',')}`;
}

/** Events of the origin's previous snapshot that the new one no longer lists. */
function endedEvents(
  ctx: PitstopContext,
  reading: NoticeReading,
  origin: string | undefined,
  snapshot = SNAPSHOT_FORMATS.has(reading.format),
): VendorEvent[] {
  if (origin === undefined || !snapshot) return [];
  const previous = latestNoticeFrom(ctx.db, { vendor: reading.vendor, format: reading.format, origin });
  if (!previous) return [];
  if (previous.incarnation !== null && reading.incarnation !== undefined && reading.incarnation < previous.incarnation) {
    return [];
  }
  const listed = new Set(reading.events.map(eventIdentity));
  return previous.events
    .filter((event) => !listed.has(eventIdentity(event)))
    .filter((event) => event.status === 'scheduled' || event.status === 'started')
    // Only an event seen running is known to have completed; a scheduled one may have been cancelled.
    .map((event) => ({ ...event, status: event.status === 'started' ? 'completed' : 'unknown' }));
}

function rejectNotice(ctx: PitstopContext, document: string, params: IntakeParams, error: string, status = 400): IntakeResponse {
  const id = insertNotice(ctx.db, {
    receivedAt: ctx.clock.now().toISOString(),
    origin: originOf(params),
    vendor: params.vendor ?? null,
    format: params.format ?? null,
    incarnation: null,
    document,
    events: [],
    notes: [],
    matches: [],
    ended: [],
    maintenanceId: null,
    status: 'rejected',
    error,
  });
  ctx.log.warn({ notice: id, vendor: params.vendor, format: params.format, error }, 'vendor notice rejected');
  return { status, body: { id, status: 'rejected', error } };
}

function readParams(ctx: PitstopContext, document: string, params: IntakeParams): NoticeReading | IntakeResponse {
  if (params.vendor !== undefined && !(VENDORS as readonly string[]).includes(params.vendor)) {
    return rejectNotice(ctx, document, params, `unknown vendor '${params.vendor}': expected one of ${VENDORS.join(', ')}`);
  }
  try {
    return readNotice(document, {
      vendor: params.vendor as Vendor | undefined,
      format: params.format,
      resource: params.resource,
      reason: params.reason,
      now: ctx.clock.now(),
    });
  } catch (error) {
    if (!(error instanceof NoticeFormatError)) throw error;
    return rejectNotice(ctx, document, params, error.withOptions((option) => `?${option}=`));
  }
}

/**
 * Reads, matches and stores one notice body, and creates or cancels the maintenances of its matched
 * events. Every body is stored, including unreadable ones. Returns the HTTP status and JSON body of the
 * response: 202 with what was read and matched, or 400 with the error.
 */
export function receiveNotice(ctx: PitstopContext, document: string, params: IntakeParams): IntakeResponse {
  const reading = readParams(ctx, document, params);
  if ('body' in reading) return reading;
  return storeReading(ctx, document, reading, params);
}

/**
 * Matches, stores and applies a notice already read, as {@link receiveNotice} does after reading. With
 * `snapshot` true the reading is compared with the origin's previous notice of the same vendor and format,
 * whatever its format, and the events it no longer lists are recorded as ended.
 */
export function storeReading(
  ctx: PitstopContext,
  document: string,
  reading: NoticeReading,
  params: IntakeParams,
  options: { snapshot?: boolean } = {},
): IntakeResponse {
  const match = matchNotice(reading, ctx.fleet, ctx.config);
  const stored = ctx.db.transaction(() => {
    const ended = endedEvents(ctx, reading, originOf(params) ?? undefined, options.snapshot);
    const maintenanceIds = applyNoticeToMaintenances(ctx, match.events);
    const matches: StoredEventMatch[] = match.events.map((entry, position) => ({
      position,
      eventId: entry.event.eventId,
      nodes: entry.nodes,
      unmatchedResources: entry.unmatchedResources,
      maintenanceId: maintenanceIds[position] ?? null,
    }));
    let status: NoticeStatus = 'unmatched';
    if (reading.events.length === 0) status = 'empty';
    else if (match.matchedNodes > 0) status = 'matched';
    const id = insertNotice(ctx.db, {
      receivedAt: ctx.clock.now().toISOString(),
      origin: originOf(params),
      vendor: reading.vendor,
      format: reading.format,
      incarnation: reading.incarnation ?? null,
      document,
      events: reading.events,
      notes: reading.notes,
      matches,
      ended,
      maintenanceId: maintenanceIds.find((maintenanceId) => maintenanceId !== null) ?? null,
      status,
      error: null,
    });
    return { id, status, matches, ended, maintenanceIds };
  })();

  const maintenances = [...new Set(stored.maintenanceIds.filter((id): id is string => id !== null))];
  if (maintenances.length > 0 || stored.ended.length > 0) ctx.requestReconcile();
  ctx.log.info(
    { notice: stored.id, vendor: reading.vendor, format: reading.format, events: reading.events.length, status: stored.status },
    'vendor notice received',
  );
  const { vendor, format, incarnation, events, notes } = reading;
  return {
    status: 202,
    body: { id: stored.id, status: stored.status, vendor, format, incarnation, events, notes, matches: stored.matches, ended: stored.ended, maintenances },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(`${JSON.stringify(body)}\n`);
}

function readBody(request: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.push(chunk.subarray(0, Math.max(0, MAX_BODY_BYTES - (size - chunk.length))));
        request.pause();
        resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: false }));
    request.on('error', reject);
  });
}

async function handleNoticePost(ctx: PitstopContext, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const params: IntakeParams = {};
  for (const key of ['vendor', 'format', 'resource', 'reason'] as const) {
    const value = url.searchParams.get(key);
    if (value !== null && value !== '') params[key] = value;
  }
  const body = await readBody(request);
  if (body.tooLarge) {
    const result = rejectNotice(ctx, body.text, params, `the body is larger than ${MAX_BODY_BYTES} bytes`, 413);
    sendJson(response, result.status, result.body, { connection: 'close' });
    request.destroy();
    return;
  }
  let result: IntakeResponse;
  try {
    result = receiveNotice(ctx, body.text, params);
  } catch (error) {
    // Keep the body even when processing fails, so no notice is lost.
    ctx.log.error({ err: error }, 'notice intake failed to process a notice');
    const message = error instanceof Error ? error.message : String(error);
    result = rejectNotice(ctx, body.text, params, `processing the notice failed: ${message}`, 500);
  }
  sendJson(response, result.status, result.body);
}

async function handle(ctx: PitstopContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://intake.invalid');
  if (url.pathname !== '/notices') {
    sendJson(response, 404, { error: `no such path ${url.pathname}: POST notices to /notices` });
    return;
  }
  if (request.method === 'POST') {
    await handleNoticePost(ctx, request, response, url);
    return;
  }
  if (request.method === 'GET') {
    const unmatchedOnly = ['1', 'true'].includes(url.searchParams.get('unmatched') ?? '');
    sendJson(response, 200, { notices: listNotices(ctx.db, { unmatchedOnly }) });
    return;
  }
  sendJson(response, 405, { error: `method ${request.method} is not allowed on /notices` }, { allow: 'GET, POST' });
}

/** A running notice intake endpoint. */
export interface NoticeIntake {
  /** Base URL, such as `http://127.0.0.1:8089`; notices go to `${url}/notices`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the HTTP intake: `POST /notices?vendor=&format=&resource=&reason=` with a notice as the body, and
 * `GET /notices[?unmatched=1]` to list stored ones. Listens on 127.0.0.1 unless `host` is given; port 0
 * picks a free port.
 */
export async function startNoticeIntake(
  ctx: PitstopContext,
  options: { port: number; host?: string },
): Promise<NoticeIntake> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    handle(ctx, request, response).catch((error: unknown) => {
      ctx.log.error({ err: error, path: request.url }, 'notice intake failed to handle a request');
      if (!response.headersSent) sendJson(response, 500, { error: 'the intake failed to handle the notice; see the logs' });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  ctx.log.info({ host: address.address, port: address.port }, 'notice intake listening');
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
