import type { Db } from '../store/db.js';
import type { NodeMatch } from './match.js';
import type { VendorEvent } from './types.js';

/**
 * - `matched`: at least one event names a node of a configured cluster;
 * - `unmatched`: events were read, but none names a known node;
 * - `empty`: the notice announces nothing (an empty event list, `NONE`);
 * - `rejected`: the body is empty or not a notice of any known format.
 */
export type NoticeStatus = 'matched' | 'unmatched' | 'empty' | 'rejected';

/** Match result of one event of a stored notice, with the maintenance it created or found. */
export interface StoredEventMatch {
  position: number;
  eventId: string | null;
  nodes: NodeMatch[];
  unmatchedResources: string[];
  maintenanceId: string | null;
}

export interface NoticeRecord {
  id: number;
  receivedAt: string;
  /** The node or instance the sender read the notice on (`?resource=`), when given. */
  origin: string | null;
  vendor: string | null;
  format: string | null;
  incarnation: number | null;
  document: string;
  events: VendorEvent[];
  notes: string[];
  matches: StoredEventMatch[];
  /** Events of the origin's previous notice that this one no longer lists. */
  ended: VendorEvent[];
  maintenanceId: string | null;
  status: NoticeStatus;
  error: string | null;
}

interface NoticeRow {
  id: number;
  received_at: string;
  origin: string | null;
  vendor: string | null;
  format: string | null;
  incarnation: number | null;
  document: string;
  events: string;
  notes: string;
  matched: string | null;
  ended: string;
  maintenance_id: string | null;
  status: string;
  error: string | null;
}

function fromRow(row: NoticeRow): NoticeRecord {
  return {
    id: row.id,
    receivedAt: row.received_at,
    origin: row.origin,
    vendor: row.vendor,
    format: row.format,
    incarnation: row.incarnation,
    document: row.document,
    events: JSON.parse(row.events) as VendorEvent[],
    notes: JSON.parse(row.notes) as string[],
    matches: row.matched === null ? [] : (JSON.parse(row.matched) as StoredEventMatch[]),
    ended: JSON.parse(row.ended) as VendorEvent[],
    maintenanceId: row.maintenance_id,
    status: row.status as NoticeStatus,
    error: row.error,
  };
}

/** Stores a received notice and returns its id. */
export function insertNotice(db: Db, notice: Omit<NoticeRecord, 'id'>): number {
  const result = db
    .prepare(
      `INSERT INTO notices (received_at, origin, vendor, format, incarnation, document, events, notes, matched, ended,
         maintenance_id, status, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      notice.receivedAt,
      notice.origin,
      notice.vendor,
      notice.format,
      notice.incarnation,
      notice.document,
      JSON.stringify(notice.events),
      JSON.stringify(notice.notes),
      JSON.stringify(notice.matches),
      JSON.stringify(notice.ended),
      notice.maintenanceId,
      notice.status,
      notice.error,
    );
  return Number(result.lastInsertRowid);
}

export function getNotice(db: Db, id: number): NoticeRecord | undefined {
  const row = db.prepare<[number], NoticeRow>('SELECT * FROM notices WHERE id = ?').get(id);
  return row ? fromRow(row) : undefined;
}

/** Returns the newest readable notice of a vendor and format read on one origin, to compare the next one with. */
export function latestNoticeFrom(
  db: Db,
  key: { vendor: string; format: string; origin: string },
): NoticeRecord | undefined {
  const row = db
    .prepare<[string, string, string], NoticeRow>(
      `SELECT * FROM notices WHERE vendor = ? AND format = ? AND origin = ? AND status <> 'rejected'
       ORDER BY id DESC LIMIT 1`,
    )
    .get(key.vendor, key.format, key.origin);
  return row ? fromRow(row) : undefined;
}

/**
 * Lists stored notices, newest first. `unmatchedOnly` keeps the ones no node was found for: unmatched
 * notices and rejected bodies, which both need a person to look at them.
 */
export function listNotices(db: Db, options: { unmatchedOnly?: boolean; limit?: number } = {}): NoticeRecord[] {
  const where = options.unmatchedOnly ? `WHERE status IN ('unmatched', 'rejected')` : '';
  return db
    .prepare<[number], NoticeRow>(`SELECT * FROM notices ${where} ORDER BY id DESC LIMIT ?`)
    .all(options.limit ?? 100)
    .map(fromRow);
}
