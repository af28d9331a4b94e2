import type { Vendor } from '../config/schema.js';
import type { EventKind, EventStatus, NoticeReading, VendorEvent } from './types.js';

type CoreFields = Pick<
  VendorEvent,
  'eventId' | 'kind' | 'status' | 'notBefore' | 'notAfter' | 'resources' | 'durationSeconds' | 'canReschedule'
>;
type ExtraFields = Omit<VendorEvent, keyof CoreFields | 'vendor'>;

/**
 * Builds an event with the core fields first, in the documented order, followed by the extra fields that
 * are set. Undefined extras and an empty warning list are left out.
 */
export function makeEvent(vendor: Vendor, core: CoreFields, extras: ExtraFields = {}): VendorEvent {
  const event: VendorEvent = {
    vendor,
    eventId: core.eventId,
    kind: core.kind,
    status: core.status,
    notBefore: core.notBefore,
    notAfter: core.notAfter,
    resources: core.resources,
    durationSeconds: core.durationSeconds,
    canReschedule: core.canReschedule,
  };
  for (const [key, value] of Object.entries(extras) as [keyof ExtraFields, unknown][]) {
    if (value === undefined) continue;
    if (key === 'warnings' && Array.isArray(value) && value.length === 0) continue;
    (event as unknown as Record<string, unknown>)[key] = value;
  }
  return event;
}

/** Upper-cases an enum value and drops separators, so `None`, `NONE` and `REBOOT_MIGRATE` compare as tokens. */
export function enumToken(value: unknown): string {
  return typeof value === 'string' ? value.toUpperCase().replace(/[^A-Z0-9]/g, '') : '';
}

/**
 * Maps a vendor enum value through a table keyed by {@link enumToken} prefixes; the longest matching
 * prefix wins, so `REBOOTMIGRAT` covers both `REBOOT_MIGRATION` (SDK) and `REBOOT_MIGRATE` (console).
 */
export function mapEnum<T>(value: unknown, table: Record<string, T>): T | undefined {
  const token = enumToken(value);
  if (token === '') return undefined;
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (token.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : table[best];
}

/** Reads a boolean given as a JSON boolean or as the string `true`/`false` in any case. */
export function readBoolean(field: string, value: unknown, warnings: string[]): boolean | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  warnings.push(`${field} ${JSON.stringify(value)} is not a boolean`);
  return null;
}

/** Returns the strings of a list in first-seen order, without empties and repeats. */
export function uniqueStrings(values: readonly unknown[]): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    if (typeof value === 'string' && value.trim() !== '') seen.add(value.trim());
  }
  return [...seen];
}

/** Builds a reading whose notes are the document notes followed by every event warning. */
export function makeReading(
  vendor: Vendor,
  format: string,
  events: VendorEvent[],
  documentNotes: string[],
  incarnation?: number,
): NoticeReading {
  const notes = [...documentNotes];
  for (const event of events) {
    for (const warning of event.warnings ?? []) {
      const line = event.eventId === null ? warning : `event ${event.eventId}: ${warning}`;
      // Document-wide warnings are on every event and already in the notes once.
      if (!notes.includes(line) && !documentNotes.includes(warning)) notes.push(line);
    }
  }
  const reading: NoticeReading = { vendor, format, events, notes };
  if (incarnation !== undefined) reading.incarnation = incarnation;
  return reading;
}

/** Compares two events field by field, to fold repeated copies of one event in a paste. */
export function sameEvent(a: VendorEvent, b: VendorEvent): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export type { EventKind, EventStatus };
