import type { Db } from '../store/db.js';
import { recordTimeline } from '../store/outbox.js';
import type { AlertSnapshot } from './snapshot.js';

export type AlertState = 'open' | 'acknowledged' | 'escalated' | 'snoozed' | 'resolved';

/** Actor recorded for changes Pitstop makes by itself (auto-escalation, resolve, wake). */
export const PITSTOP_ACTOR = 'pitstop';

/** Subject type of alert entries in the timeline table. */
export const ALERT_SUBJECT = 'alert';

/** A row of the alerts table. Times are ISO 8601 strings. */
export interface Alert {
  id: number;
  groupKey: string;
  cluster: string;
  team: string;
  cause: string;
  channel: string;
  state: AlertState;
  escalationLevel: number;
  escalatedBy: string | null;
  escalatedAt: string | null;
  /** Start of the current wait for an acknowledgement: opening, the last escalation, or the end of a snooze. */
  waitingSince: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  snoozedUntil: string | null;
  snoozedBy: string | null;
  maintenanceId: string | null;
  podCount: number;
  /** Pod count last announced in the thread; replies go out only when the count moves far from it. */
  reportedCount: number;
  summary: string;
  snapshot: AlertSnapshot;
  /** Hash of the message last enqueued for the alert, so an unchanged render enqueues nothing. */
  renderedHash: string | null;
  replySeq: number;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

/** Result of a guarded transition: `changed` is false when the alert was already in the requested state. */
export interface Transition {
  changed: boolean;
  alert: Alert;
}

interface AlertRow {
  id: number;
  group_key: string;
  cluster: string;
  team: string | null;
  cause: string;
  channel: string;
  state: AlertState;
  escalation_level: number;
  escalated_by: string | null;
  escalated_at: string | null;
  waiting_since: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  snoozed_until: string | null;
  snoozed_by: string | null;
  maintenance_id: string | null;
  pod_count: number;
  reported_count: number;
  summary: string;
  snapshot: string;
  rendered_hash: string | null;
  reply_seq: number;
  opened_at: string;
  updated_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
}

function fromRow(row: AlertRow): Alert {
  return {
    id: row.id,
    groupKey: row.group_key,
    cluster: row.cluster,
    team: row.team ?? 'unowned',
    cause: row.cause,
    channel: row.channel,
    state: row.state,
    escalationLevel: row.escalation_level,
    escalatedBy: row.escalated_by,
    escalatedAt: row.escalated_at,
    waitingSince: row.waiting_since,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    snoozedUntil: row.snoozed_until,
    snoozedBy: row.snoozed_by,
    maintenanceId: row.maintenance_id,
    podCount: row.pod_count,
    reportedCount: row.reported_count,
    summary: row.summary,
    snapshot: JSON.parse(row.snapshot) as AlertSnapshot,
    renderedHash: row.rendered_hash,
    replySeq: row.reply_seq,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
  };
}

/** Formats an alert id as users see and type it: `AL-12`. */
export function formatAlertId(id: number): string {
  return `AL-${id}`;
}

/** Reads `AL-12`, `al-12` or `12`; returns `null` for anything else. */
export function parseAlertId(text: string): number | null {
  const match = /^(?:AL-)?(\d{1,12})$/i.exec(text.trim());
  if (!match) return null;
  const id = Number(match[1]);
  return id > 0 ? id : null;
}

export function getAlert(db: Db, id: number): Alert | undefined {
  const row = db.prepare<[number], AlertRow>('SELECT * FROM alerts WHERE id = ?').get(id);
  return row ? fromRow(row) : undefined;
}

function mustGet(db: Db, id: number): Alert {
  const alert = getAlert(db, id);
  if (!alert) throw new Error(`alert ${formatAlertId(id)} not found`);
  return alert;
}

/** Returns the unresolved alert of a group, if any. At most one exists per group key. */
export function findOpenAlert(db: Db, groupKey: string): Alert | undefined {
  const row = db.prepare<[string], AlertRow>("SELECT * FROM alerts WHERE group_key = ? AND state <> 'resolved'").get(groupKey);
  return row ? fromRow(row) : undefined;
}

/** Unresolved alerts, of one cluster or of all, oldest first. */
export function listOpenAlerts(db: Db, cluster?: string): Alert[] {
  const rows =
    cluster === undefined
      ? db.prepare<[], AlertRow>("SELECT * FROM alerts WHERE state <> 'resolved' ORDER BY id").all()
      : db.prepare<[string], AlertRow>("SELECT * FROM alerts WHERE cluster = ? AND state <> 'resolved' ORDER BY id").all(cluster);
  return rows.map(fromRow);
}

function record(db: Db, id: number, actor: string, action: string, now: Date, detail?: unknown): void {
  recordTimeline(db, { subjectType: ALERT_SUBJECT, subjectId: formatAlertId(id), actor, action, detail }, now);
}

export interface NewAlert {
  groupKey: string;
  cluster: string;
  team: string;
  cause: string;
  channel: string;
  maintenanceId: string | null;
  summary: string;
  snapshot: AlertSnapshot;
}

/** Opens an alert for a group that has none. Throws if the group already has an unresolved alert. */
export function openAlert(db: Db, input: NewAlert, now: Date): Alert {
  const at = now.toISOString();
  const result = db
    .prepare(
      `INSERT INTO alerts (group_key, cluster, team, cause, channel, state, waiting_since, maintenance_id, pod_count,
         reported_count, summary, snapshot, opened_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      input.groupKey,
      input.cluster,
      input.team,
      input.cause,
      input.channel,
      at,
      input.maintenanceId,
      input.snapshot.podCount,
      input.snapshot.podCount,
      input.summary,
      JSON.stringify(input.snapshot),
      at,
      at,
    );
  const id = Number(result.lastInsertRowid);
  record(db, id, PITSTOP_ACTOR, 'opened', now, { groupKey: input.groupKey, pods: input.snapshot.podCount });
  return mustGet(db, id);
}

/** Stores a new snapshot of the group; not a state change, so nothing goes to the timeline. */
export function updateSnapshot(db: Db, id: number, snapshot: AlertSnapshot, summary: string, now: Date): void {
  db.prepare('UPDATE alerts SET snapshot = ?, summary = ?, pod_count = ?, maintenance_id = ?, updated_at = ? WHERE id = ?').run(
    JSON.stringify(snapshot),
    summary,
    snapshot.podCount,
    snapshot.maintenance?.id ?? null,
    now.toISOString(),
    id,
  );
}

export function setRenderedHash(db: Db, id: number, hash: string): void {
  db.prepare('UPDATE alerts SET rendered_hash = ? WHERE id = ?').run(hash, id);
}

/** Moves an alert to another channel; only for an alert whose message Slack never showed. */
export function setAlertChannel(db: Db, id: number, channel: string): void {
  db.prepare('UPDATE alerts SET channel = ? WHERE id = ?').run(channel, id);
}

export function setReportedCount(db: Db, id: number, count: number): void {
  db.prepare('UPDATE alerts SET reported_count = ? WHERE id = ?').run(count, id);
}

/** Reserves the next thread-reply number of an alert, for unique reply message keys. */
export function nextReplySeq(db: Db, id: number): number {
  db.prepare('UPDATE alerts SET reply_seq = reply_seq + 1 WHERE id = ?').run(id);
  return mustGet(db, id).replySeq;
}

/** Acknowledges an unresolved, unacknowledged alert; a snoozed alert stops being snoozed. */
export function acknowledge(db: Db, id: number, actor: string, now: Date): Transition {
  const at = now.toISOString();
  const result = db
    .prepare(
      `UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, snoozed_until = NULL,
         snoozed_by = NULL, updated_at = ?
       WHERE id = ? AND state <> 'resolved' AND acknowledged_by IS NULL`,
    )
    .run(actor, at, at, id);
  if (result.changes === 1) record(db, id, actor, 'acknowledged', now);
  return { changed: result.changes === 1, alert: mustGet(db, id) };
}

/**
 * Raises an unresolved alert to `level`, only from `level - 1`: a second click on the same button finds the
 * level already raised and changes nothing. An unacknowledged alert becomes `escalated` (ending any snooze),
 * an acknowledged one stays acknowledged. Restarts the wait for an acknowledgement.
 */
export function escalate(db: Db, id: number, level: number, actor: string, now: Date, target: string | null): Transition {
  const at = now.toISOString();
  const result = db
    .prepare(
      `UPDATE alerts SET escalation_level = ?, escalated_by = ?, escalated_at = ?, waiting_since = ?, updated_at = ?,
         state = CASE WHEN acknowledged_by IS NULL THEN 'escalated' ELSE state END,
         snoozed_until = CASE WHEN acknowledged_by IS NULL THEN NULL ELSE snoozed_until END,
         snoozed_by = CASE WHEN acknowledged_by IS NULL THEN NULL ELSE snoozed_by END
       WHERE id = ? AND state <> 'resolved' AND escalation_level = ?`,
    )
    .run(level, actor, at, at, at, id, level - 1);
  if (result.changes === 1) record(db, id, actor, 'escalated', now, { level, target });
  return { changed: result.changes === 1, alert: mustGet(db, id) };
}

/** Snoozes within this window of an existing snooze's end count as the same snooze (a double submit). */
const SAME_SNOOZE_MS = 60_000;

/** Snoozes an unresolved alert until `until`; re-snoozing to about the same end changes nothing. */
export function snooze(db: Db, id: number, until: Date, actor: string, now: Date): Transition {
  const current = mustGet(db, id);
  if (current.state === 'resolved') return { changed: false, alert: current };
  if (
    current.state === 'snoozed' &&
    current.snoozedUntil !== null &&
    Math.abs(Date.parse(current.snoozedUntil) - until.getTime()) < SAME_SNOOZE_MS
  ) {
    return { changed: false, alert: current };
  }
  const at = now.toISOString();
  const result = db
    .prepare(
      `UPDATE alerts SET state = 'snoozed', snoozed_until = ?, snoozed_by = ?, updated_at = ?
       WHERE id = ? AND state <> 'resolved'`,
    )
    .run(until.toISOString(), actor, at, id);
  if (result.changes === 1) record(db, id, actor, 'snoozed', now, { until: until.toISOString() });
  return { changed: result.changes === 1, alert: mustGet(db, id) };
}

/**
 * Ends a snooze whose time has come: the alert returns to acknowledged, escalated or open, as it was, and
 * the wait for an acknowledgement starts again.
 */
export function wake(db: Db, id: number, now: Date): Transition {
  const at = now.toISOString();
  const result = db
    .prepare(
      `UPDATE alerts SET snoozed_until = NULL, snoozed_by = NULL, waiting_since = ?, updated_at = ?,
         state = CASE WHEN acknowledged_by IS NOT NULL THEN 'acknowledged'
                      WHEN escalation_level > 0 THEN 'escalated' ELSE 'open' END
       WHERE id = ? AND state = 'snoozed' AND snoozed_until <= ?`,
    )
    .run(at, at, id, at);
  if (result.changes === 1) record(db, id, PITSTOP_ACTOR, 'woke', now);
  return { changed: result.changes === 1, alert: mustGet(db, id) };
}

/** Resolves an unresolved alert. */
export function resolve(db: Db, id: number, actor: string, now: Date, detail?: unknown): Transition {
  const at = now.toISOString();
  const result = db
    .prepare(
      `UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ?, updated_at = ?
       WHERE id = ? AND state <> 'resolved'`,
    )
    .run(at, actor, at, id);
  if (result.changes === 1) record(db, id, actor, 'resolved', now, detail);
  return { changed: result.changes === 1, alert: mustGet(db, id) };
}

/** Alerts whose snooze has ended by `now`. */
export function listSnoozeEnded(db: Db, now: Date): Alert[] {
  return db
    .prepare<[string], AlertRow>("SELECT * FROM alerts WHERE state = 'snoozed' AND snoozed_until <= ? ORDER BY id")
    .all(now.toISOString())
    .map(fromRow);
}

/** Unacknowledged alerts (open or escalated) that have waited since before `cutoff`. */
export function listWaitingSince(db: Db, cutoff: Date): Alert[] {
  return db
    .prepare<[string], AlertRow>(
      "SELECT * FROM alerts WHERE state IN ('open', 'escalated') AND acknowledged_by IS NULL AND waiting_since <= ? ORDER BY id",
    )
    .all(cutoff.toISOString())
    .map(fromRow);
}
