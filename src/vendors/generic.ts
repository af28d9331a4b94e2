import { VENDORS, type Vendor } from '../config/schema.js';
import { asRecord, asString } from './decode.js';
import { makeEvent, makeReading, readBoolean, uniqueStrings } from './events.js';
import { neutralTopology, providerIdSegments, baseResourceNames } from './topology.js';
import { readTime } from './time.js';
import {
  EVENT_KINDS,
  EVENT_STATUSES,
  NoticeFormatError,
  type EventKind,
  type EventStatus,
  type NoticeDocument,
  type NoticeReading,
  type VendorAdapter,
  type VendorEvent,
} from './types.js';

/**
 * The generic notice format: Pitstop's own event shape, for vendors without an adapter and for tools
 * that already normalised their notices. A document is one event, a list of events, or
 * `{"vendor": ..., "events": [...]}`. Each event is
 *
 * ```json
 * {"vendor": "coreweave", "eventId": "ev-1", "kind": "reboot", "status": "scheduled",
 *  "notBefore": "2026-05-01T02:00:00Z", "notAfter": "2026-05-01T06:00:00Z", "resources": ["node-a"],
 *  "durationSeconds": 600, "canReschedule": false, "description": "BMC firmware"}
 * ```
 *
 * `kind`, `status` and `resources` are required; times are RFC 3339. `pitstop notice --json` prints
 * this format, so its output reads back unchanged.
 */
export const GENERIC_FORMAT = 'generic-json';

function isGenericEvent(value: unknown): boolean {
  const record = asRecord(value);
  return record !== null && 'kind' in record && 'status' in record && Array.isArray(record.resources);
}

function eventList(value: unknown): { vendor: unknown; events: unknown[] } | null {
  const record = asRecord(value);
  if (Array.isArray(value)) return value.every(isGenericEvent) ? { vendor: undefined, events: value } : null;
  if (record && Array.isArray(record.events) && record.events.every(isGenericEvent)) {
    return { vendor: record.vendor, events: record.events };
  }
  return isGenericEvent(value) ? { vendor: undefined, events: [value] } : null;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], warnings: string[]): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  warnings.push(`${field} ${JSON.stringify(value ?? null)} is not one of ${allowed.join(', ')}`);
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? uniqueStrings(value) : undefined;
}

function statusMap(value: unknown, warnings: string[]): Record<string, EventStatus> | undefined {
  const record = asRecord(value);
  if (record === null) return undefined;
  const statuses: Record<string, EventStatus> = {};
  for (const [resource, status] of Object.entries(record)) {
    const known = oneOf<EventStatus>(`perResourceStatus.${resource}`, status, EVENT_STATUSES, warnings);
    if (known !== undefined) statuses[resource] = known;
  }
  return statuses;
}

/** Extra fields, read as `pitstop notice --json` prints them so that its output reads back unchanged. */
function readExtras(event: Record<string, unknown>, warnings: string[]): Omit<VendorEvent, 'vendor' | 'eventId' | 'kind' | 'status' | 'notBefore' | 'notAfter' | 'resources' | 'durationSeconds' | 'canReschedule'> {
  const nullableString = (value: unknown): string | null | undefined => (value === null ? null : (asString(value) ?? undefined));
  return {
    code: asString(event.code) ?? undefined,
    description: asString(event.description) ?? undefined,
    source: asString(event.source) ?? undefined,
    latestStart:
      event.latestStart === undefined ? undefined : readTime('latestStart', event.latestStart, 'RFC 3339', warnings),
    reasons: stringList(event.reasons),
    category: nullableString(event.category),
    reason: nullableString(event.reason),
    correlationToken: nullableString(event.correlationToken),
    perResourceStatus: statusMap(event.perResourceStatus, warnings),
  };
}

function readGenericEvent(raw: unknown, fallbackVendor: Vendor): VendorEvent {
  const event = asRecord(raw)!;
  // Warnings of an earlier reading still hold: the values they name are still missing.
  const warnings: string[] = stringList(event.warnings) ?? [];
  const vendor = event.vendor === undefined ? fallbackVendor : oneOf('vendor', event.vendor, VENDORS, warnings);
  const duration = event.durationSeconds;
  if (duration !== undefined && duration !== null && typeof duration !== 'number') {
    warnings.push(`durationSeconds ${JSON.stringify(duration)} is not a number`);
  }
  return makeEvent(
    vendor ?? fallbackVendor,
    {
      eventId: asString(event.eventId),
      kind: oneOf<EventKind>('kind', event.kind, EVENT_KINDS, warnings) ?? 'unknown',
      status: oneOf<EventStatus>('status', event.status, EVENT_STATUSES, warnings) ?? 'unknown',
      notBefore: readTime('notBefore', event.notBefore, 'RFC 3339', warnings),
      notAfter: readTime('notAfter', event.notAfter, 'RFC 3339', warnings),
      resources: uniqueStrings(event.resources as unknown[]),
      durationSeconds: typeof duration === 'number' && duration >= 0 ? duration : null,
      canReschedule: readBoolean('canReschedule', event.canReschedule, warnings),
    },
    { ...readExtras(event, warnings), warnings },
  );
}

/** Reads a generic-format document; events without a vendor get `vendor`. */
export function readGeneric(document: NoticeDocument, vendor: Vendor | undefined): NoticeReading {
  const list = eventList(document.value);
  if (list === null) {
    throw new NoticeFormatError(
      `a ${GENERIC_FORMAT} document is an event, a list of events or {"events": [...]}, each with kind, status and resources`,
    );
  }
  const documentWarnings: string[] = [];
  const listVendor =
    list.vendor === undefined ? undefined : oneOf('vendor', list.vendor, VENDORS, documentWarnings);
  const fallback = vendor ?? listVendor ?? 'generic';
  const events = list.events.map((raw) => readGenericEvent(raw, fallback));
  const vendors = new Set(events.map((event) => event.vendor));
  const readingVendor = vendor ?? listVendor ?? (vendors.size === 1 ? [...vendors][0]! : 'generic');
  return makeReading(readingVendor, GENERIC_FORMAT, events, [...document.notes, ...documentWarnings]);
}

/** Returns whether the document is in the generic format. */
export function isGenericDocument(document: NoticeDocument): boolean {
  return eventList(document.value) !== null;
}

export const genericAdapter: VendorAdapter = {
  vendor: 'generic',
  formats: [GENERIC_FORMAT],
  detect: (document) => (isGenericDocument(document) ? GENERIC_FORMAT : null),
  read: (document) => readGeneric(document, undefined),
  topology: (node, options) => neutralTopology(node, options?.rackLabel, providerIdSegments(node).at(-1) ?? null),
  nodeSignals: () => [],
  resourceNames: (node) => baseResourceNames(node, providerIdSegments(node).at(-1) ?? null),
};
