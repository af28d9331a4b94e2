import { asRecord, asString } from './decode.js';
import { makeEvent, mapEnum, readBoolean, uniqueStrings } from './events.js';
import { readTime } from './time.js';
import type { EventStatus, VendorEvent } from './types.js';

/**
 * Compute Engine "upcoming maintenance" objects. The metadata server prints snake_case keys
 * (`window_start_time`), the REST API and gcloud camelCase (`windowStartTime`); older API versions had
 * `startTimeWindow.{earliest,latest}` in place of the window fields. The object does not say whether the
 * instance will migrate or terminate, so the kind is `unknown`.
 * @see https://cloud.google.com/compute/docs/instances/monitor-plan-host-maintenance-event
 */
const STATUSES: Record<string, EventStatus> = { PENDING: 'scheduled', ONGOING: 'started' };

const MARKER_KEYS = [
  'window_start_time',
  'windowStartTime',
  'maintenance_status',
  'maintenanceStatus',
  'latest_window_start_time',
  'latestWindowStartTime',
  'startTimeWindow',
];

/** Returns whether the value is an upcoming-maintenance object. */
export function isUpcomingMaintenance(value: unknown): boolean {
  const record = asRecord(value);
  return record !== null && MARKER_KEYS.some((key) => key in record);
}

/**
 * Finds the upcoming-maintenance object in a document: the document itself, its `upcomingMaintenance`
 * or `resourceStatus.upcomingMaintenance` member, or the only member of a labelled wrapper.
 */
export function findUpcomingMaintenance(value: unknown): Record<string, unknown> | null {
  const record = asRecord(value);
  if (record === null) return null;
  if (isUpcomingMaintenance(record)) return record;
  const nested = [record.upcomingMaintenance, asRecord(record.resourceStatus)?.upcomingMaintenance];
  const members = Object.values(record);
  if (members.length === 1) nested.push(members[0]);
  const found = nested.find(isUpcomingMaintenance);
  return found === undefined ? null : (found as Record<string, unknown>);
}

/** Returns whether the object names its fields in snake_case, as the metadata server does. */
export function isSnakeCase(object: Record<string, unknown>): boolean {
  return Object.keys(object).some((key) => key.includes('_'));
}

function field(object: Record<string, unknown>, snake: string, camel: string): unknown {
  return object[snake] ?? object[camel];
}

/** Reads one upcoming-maintenance object into an event for the given instances. */
export function readUpcomingMaintenance(object: Record<string, unknown>, resources: string[]): VendorEvent {
  const warnings: string[] = [];
  const window = asRecord(object.startTimeWindow) ?? {};
  const start = field(object, 'window_start_time', 'windowStartTime') ?? window.earliest;
  const latest = field(object, 'latest_window_start_time', 'latestWindowStartTime') ?? window.latest;
  const rawStatus = field(object, 'maintenance_status', 'maintenanceStatus');
  const status = rawStatus === undefined ? 'scheduled' : mapEnum(rawStatus, STATUSES);
  if (status === undefined) warnings.push(`maintenance_status ${JSON.stringify(rawStatus)} is not PENDING or ONGOING`);
  const rawReasons = field(object, 'maintenance_reasons', 'maintenanceReasons');
  let reasons: string[] | undefined;
  if (Array.isArray(rawReasons)) reasons = uniqueStrings(rawReasons);
  else if (typeof rawReasons === 'string') reasons = [rawReasons];
  const latestStart = readTime('latest_window_start_time', latest, 'RFC 3339', warnings);

  return makeEvent(
    'gcp',
    {
      eventId: null,
      kind: 'unknown',
      status: status ?? 'unknown',
      notBefore: readTime('window_start_time', start, 'RFC 3339', warnings),
      notAfter: readTime('window_end_time', field(object, 'window_end_time', 'windowEndTime'), 'RFC 3339', warnings),
      resources,
      durationSeconds: null,
      canReschedule: readBoolean('can_reschedule', field(object, 'can_reschedule', 'canReschedule'), warnings),
    },
    {
      code: asString(object.type) ?? undefined,
      latestStart: latest === undefined ? undefined : latestStart,
      reasons,
      warnings,
    },
  );
}

/**
 * Parses the metadata server's text form (`alt=text`): one `key value` pair a line. A key that repeats
 * collects its values in a list, which is how list fields print.
 */
export function parseKeyValueLines(text: string): Record<string, unknown> | null {
  const object: Record<string, unknown> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const match = /^\s*([a-z][a-z0-9_]*)\s+(.*?)\s*$/.exec(line);
    if (!match) return null;
    const [key, value] = [match[1]!, match[2]!];
    const previous = object[key];
    if (previous === undefined) object[key] = value;
    else object[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  if (Array.isArray(object.maintenance_reasons) === false && typeof object.maintenance_reasons === 'string') {
    object.maintenance_reasons = [object.maintenance_reasons];
  }
  return Object.keys(object).length > 0 ? object : null;
}
