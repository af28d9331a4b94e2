import type Database from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { recordTimeline } from '../store/outbox.js';
import type {
  Maintenance,
  MaintenanceNode,
  MaintenanceState,
  NodeRecoveryState,
  OverdueState,
  StoredCheck,
} from './model.js';

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** Prepares a statement once per connection; reconcile runs the same few statements for every node, every pass. */
function sql<Params extends unknown[] | object = unknown[], Row = unknown>(
  db: Db,
  text: string,
): Database.Statement<Params, Row> {
  let cache = statements.get(db);
  if (cache === undefined) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(text);
  if (statement === undefined) {
    statement = db.prepare(text);
    cache.set(text, statement);
  }
  return statement as unknown as Database.Statement<Params, Row>;
}

interface MaintenanceRow {
  id: string;
  seq: number;
  title: string;
  kind: string;
  vendor: string;
  owner: string;
  clusters: string;
  window_start: string;
  window_end: string;
  requires_reboot: number;
  state: string;
  source: string;
  external_key: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  ended_at: string | null;
  closed_at: string | null;
  closed_by: string | null;
}

function fromMaintenanceRow(row: MaintenanceRow): Maintenance {
  return {
    id: row.id,
    seq: row.seq,
    title: row.title,
    kind: row.kind as Maintenance['kind'],
    vendor: row.vendor as Maintenance['vendor'],
    owner: row.owner,
    clusters: JSON.parse(row.clusters) as Maintenance['clusters'],
    windowStart: row.window_start,
    windowEnd: row.window_end,
    requiresReboot: row.requires_reboot === 1,
    state: row.state as MaintenanceState,
    source: row.source as Maintenance['source'],
    externalKey: row.external_key,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    closedAt: row.closed_at,
    closedBy: row.closed_by,
  };
}

/** Inserts a new maintenance; the caller has validated it and chosen its id. */
export function insertMaintenance(db: Db, maintenance: Maintenance): void {
  sql(
    db,
    `INSERT INTO maintenances (id, seq, title, kind, vendor, owner, clusters, window_start, window_end, requires_reboot,
       state, source, external_key, created_by, created_at, updated_at)
     VALUES (@id, @seq, @title, @kind, @vendor, @owner, @clusters, @windowStart, @windowEnd, @requiresReboot,
       @state, @source, @externalKey, @createdBy, @createdAt, @updatedAt)`,
  ).run({
    ...maintenance,
    clusters: JSON.stringify(maintenance.clusters),
    requiresReboot: maintenance.requiresReboot ? 1 : 0,
  });
}

/** Replaces the planned fields (title, kind, vendor, owner, clusters, window) of a maintenance. */
export function updatePlan(db: Db, maintenance: Maintenance, now: Date): void {
  sql(
    db,
    `UPDATE maintenances SET title = ?, kind = ?, vendor = ?, owner = ?, clusters = ?, window_start = ?, window_end = ?,
       requires_reboot = ?, updated_at = ? WHERE id = ?`,
  ).run(
    maintenance.title,
    maintenance.kind,
    maintenance.vendor,
    maintenance.owner,
    JSON.stringify(maintenance.clusters),
    maintenance.windowStart,
    maintenance.windowEnd,
    maintenance.requiresReboot ? 1 : 0,
    now.toISOString(),
    maintenance.id,
  );
}

export function getMaintenance(db: Db, id: string): Maintenance | undefined {
  const row = sql<[string], MaintenanceRow>(db, 'SELECT * FROM maintenances WHERE id = ?').get(id);
  return row ? fromMaintenanceRow(row) : undefined;
}

export function findByExternalKey(db: Db, key: string): Maintenance | undefined {
  const row = sql<[string], MaintenanceRow>(db, 'SELECT * FROM maintenances WHERE external_key = ?').get(key);
  return row ? fromMaintenanceRow(row) : undefined;
}

/** Lists maintenances, newest window first, optionally only those in the given states. */
export function listMaintenances(db: Db, states?: readonly MaintenanceState[]): Maintenance[] {
  const rows = sql<[], MaintenanceRow>(db, 'SELECT * FROM maintenances ORDER BY window_start DESC, seq DESC').all();
  const all = rows.map(fromMaintenanceRow);
  return states === undefined ? all : all.filter((maintenance) => states.includes(maintenance.state));
}

/** Returns the next free sequence number for an `MX-<n>` id. */
export function nextSeq(db: Db): number {
  const row = sql<[], { max: number | null }>(db, 'SELECT MAX(seq) AS max FROM maintenances').get();
  return (row?.max ?? 0) + 1;
}

const STATE_TIME_COLUMN: Partial<Record<MaintenanceState, string>> = {
  in_progress: 'started_at',
  recovering: 'ended_at',
  completed: 'closed_at',
  cancelled: 'closed_at',
};

/**
 * Moves a maintenance to `to` if it is in one of `from`, and records the change on its timeline. `at` sets the
 * start, end or close time when it differs from `now`, such as the planned start for a transition by the clock.
 * Returns false, changing nothing, when the maintenance is in another state (a second click, a race).
 */
export function transitionMaintenance(
  db: Db,
  change: {
    id: string;
    from: readonly MaintenanceState[];
    to: MaintenanceState;
    actor: string;
    detail?: unknown;
    at?: string;
  },
  now: Date,
): boolean {
  const placeholders = change.from.map(() => '?').join(', ');
  const timeColumn = STATE_TIME_COLUMN[change.to];
  const closing = change.to === 'completed' || change.to === 'cancelled';
  const sets = ['state = ?', 'updated_at = ?'];
  const values: unknown[] = [change.to, now.toISOString()];
  if (timeColumn !== undefined) {
    sets.push(`${timeColumn} = COALESCE(${timeColumn}, ?)`);
    values.push(change.at ?? now.toISOString());
  }
  if (closing) {
    sets.push('closed_by = ?');
    values.push(change.actor);
  }
  const result = db
    .prepare(`UPDATE maintenances SET ${sets.join(', ')} WHERE id = ? AND state IN (${placeholders})`)
    .run(...values, change.id, ...change.from);
  if (result.changes !== 1) return false;
  recordTimeline(
    db,
    { subjectType: 'maintenance', subjectId: change.id, actor: change.actor, action: change.to, detail: change.detail },
    now,
  );
  return true;
}

interface NodeRow {
  maintenance_id: string;
  cluster: string;
  node: string;
  state: string;
  state_since: string;
  snapshot: string | null;
  snapshot_at: string | null;
  cordoned_before: number;
  boot_id_before: string | null;
  cordoned: number;
  touched: number;
  gpus_expected: number;
  gpus_allocatable: number;
  sku: string | null;
  rack: string | null;
  vendor: string;
  instance_id: string | null;
  teams: string;
  verdict: string | null;
  checks: string;
  failing_check: string | null;
  failing_since: string | null;
  reasons: string;
  holds: string;
  present: number;
  down_at: string | null;
  returned_at: string | null;
  validated_at: string | null;
  uncordoned_by: string | null;
  uncordoned_at: string | null;
  updated_at: string;
}

function fromNodeRow(row: NodeRow): MaintenanceNode {
  return {
    maintenanceId: row.maintenance_id,
    cluster: row.cluster,
    node: row.node,
    state: row.state as NodeRecoveryState,
    stateSince: row.state_since,
    snapshot: row.snapshot === null ? null : JSON.parse(row.snapshot),
    snapshotAt: row.snapshot_at,
    cordonedBefore: row.cordoned_before === 1,
    bootIdBefore: row.boot_id_before,
    cordoned: row.cordoned === 1,
    touched: row.touched === 1,
    gpusExpected: row.gpus_expected,
    gpusAllocatable: row.gpus_allocatable,
    sku: row.sku,
    rack: row.rack,
    vendor: row.vendor,
    instanceId: row.instance_id,
    teams: JSON.parse(row.teams) as string[],
    verdict: row.verdict as MaintenanceNode['verdict'],
    checks: JSON.parse(row.checks) as StoredCheck[],
    failingCheck: row.failing_check,
    failingSince: row.failing_since,
    reasons: JSON.parse(row.reasons) as string[],
    holds: JSON.parse(row.holds) as string[],
    present: row.present === 1,
    downAt: row.down_at,
    returnedAt: row.returned_at,
    validatedAt: row.validated_at,
    uncordonedBy: row.uncordoned_by,
    uncordonedAt: row.uncordoned_at,
    updatedAt: row.updated_at,
  };
}

function toNodeRow(node: MaintenanceNode): NodeRow {
  return {
    maintenance_id: node.maintenanceId,
    cluster: node.cluster,
    node: node.node,
    state: node.state,
    state_since: node.stateSince,
    snapshot: node.snapshot === null || node.snapshot === undefined ? null : JSON.stringify(node.snapshot),
    snapshot_at: node.snapshotAt,
    cordoned_before: node.cordonedBefore ? 1 : 0,
    boot_id_before: node.bootIdBefore,
    cordoned: node.cordoned ? 1 : 0,
    touched: node.touched ? 1 : 0,
    gpus_expected: node.gpusExpected,
    gpus_allocatable: node.gpusAllocatable,
    sku: node.sku,
    rack: node.rack,
    vendor: node.vendor,
    instance_id: node.instanceId,
    teams: JSON.stringify(node.teams),
    verdict: node.verdict,
    checks: JSON.stringify(node.checks),
    failing_check: node.failingCheck,
    failing_since: node.failingSince,
    reasons: JSON.stringify(node.reasons),
    holds: JSON.stringify(node.holds),
    present: node.present ? 1 : 0,
    down_at: node.downAt,
    returned_at: node.returnedAt,
    validated_at: node.validatedAt,
    uncordoned_by: node.uncordonedBy,
    uncordoned_at: node.uncordonedAt,
    updated_at: node.updatedAt,
  };
}

const NODE_COLUMNS = Object.keys(toNodeRow({} as MaintenanceNode));

/** Inserts or replaces a tracked node. */
export function saveNode(db: Db, node: MaintenanceNode): void {
  const columns = NODE_COLUMNS.join(', ');
  const values = NODE_COLUMNS.map((column) => `@${column}`).join(', ');
  sql(db, `INSERT OR REPLACE INTO maintenance_nodes (${columns}) VALUES (${values})`).run(toNodeRow(node));
}

/** Tracked nodes of a maintenance, by cluster and name. */
export function listNodes(db: Db, maintenanceId: string): MaintenanceNode[] {
  return sql<[string], NodeRow>(db, 'SELECT * FROM maintenance_nodes WHERE maintenance_id = ? ORDER BY cluster, node')
    .all(maintenanceId)
    .map(fromNodeRow);
}

/** Tracked rows of the given nodes of one cluster, across all maintenances. */
export function nodesByName(db: Db, cluster: string, names: readonly string[]): MaintenanceNode[] {
  if (names.length === 0) return [];
  const wanted = new Set(names);
  return sql<[string], NodeRow>(db, 'SELECT * FROM maintenance_nodes WHERE cluster = ?')
    .all(cluster)
    .filter((row) => wanted.has(row.node))
    .map(fromNodeRow);
}

export function deleteNode(db: Db, maintenanceId: string, cluster: string, node: string): void {
  sql(db, 'DELETE FROM maintenance_nodes WHERE maintenance_id = ? AND cluster = ? AND node = ?').run(
    maintenanceId,
    cluster,
    node,
  );
}

/** Marks a node as uncordoned by a user; returns false when it already was. */
export function markUncordoned(
  db: Db,
  key: { maintenanceId: string; cluster: string; node: string },
  user: string,
  now: Date,
): boolean {
  const result = db
    .prepare(
      `UPDATE maintenance_nodes SET uncordoned_by = ?, uncordoned_at = ?, updated_at = ?
       WHERE maintenance_id = ? AND cluster = ? AND node = ? AND uncordoned_at IS NULL`,
    )
    .run(user, now.toISOString(), now.toISOString(), key.maintenanceId, key.cluster, key.node);
  return result.changes === 1;
}

/** Stored blast radius of a maintenance for one channel. */
export function getChannelRadius(db: Db, maintenanceId: string, channel: string): unknown {
  const row = sql<[string, string], { radius: string | null }>(
    db,
    'SELECT radius FROM maintenance_channels WHERE maintenance_id = ? AND channel = ?',
  ).get(maintenanceId, channel);
  return row?.radius ? JSON.parse(row.radius) : null;
}

export function saveChannelRadius(db: Db, maintenanceId: string, channel: string, radius: unknown, now: Date): void {
  sql(
    db,
    `INSERT INTO maintenance_channels (maintenance_id, channel, radius, radius_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (maintenance_id, channel) DO UPDATE SET radius = excluded.radius, radius_at = excluded.radius_at`,
  ).run(maintenanceId, channel, JSON.stringify(radius), now.toISOString());
}

/** Announcement stages already handled (posted or skipped) for a maintenance in a channel. */
export function announcedStages(db: Db, maintenanceId: string, channel: string): Set<string> {
  const rows = sql<[string, string], { stage: string }>(
    db,
    'SELECT stage FROM maintenance_announcements WHERE maintenance_id = ? AND channel = ?',
  ).all(maintenanceId, channel);
  return new Set(rows.map((row) => row.stage));
}

/** Records that a stage was handled; returns false when it already was, so nothing posts twice. */
export function recordAnnouncement(
  db: Db,
  entry: { maintenanceId: string; channel: string; stage: string; outcome: 'posted' | 'skipped' },
  now: Date,
): boolean {
  const result = db
    .prepare(
      `INSERT OR IGNORE INTO maintenance_announcements (maintenance_id, channel, stage, outcome, at) VALUES (?, ?, ?, ?, ?)`,
    )
    .run(entry.maintenanceId, entry.channel, entry.stage, entry.outcome, now.toISOString());
  return result.changes === 1;
}

/** Returns whether any announcement was posted for the maintenance in the channel, which means its thread exists. */
export function hasThread(db: Db, maintenanceId: string, channel: string): boolean {
  const row = sql<[string, string], { n: number }>(
    db,
    `SELECT COUNT(*) AS n FROM maintenance_announcements WHERE maintenance_id = ? AND channel = ? AND outcome = 'posted'`,
  ).get(maintenanceId, channel);
  return (row?.n ?? 0) > 0;
}

/** Keeps only the mentions not made before in this channel's thread, and records them as made. */
export function claimMentions(db: Db, maintenanceId: string, channel: string, mentions: string[], now: Date): string[] {
  const insert = sql(
    db,
    'INSERT OR IGNORE INTO maintenance_mentions (maintenance_id, channel, mention, at) VALUES (?, ?, ?, ?)',
  );
  return mentions.filter((mention) => insert.run(maintenanceId, channel, mention, now.toISOString()).changes === 1);
}

/** Returns the content hash last enqueued for a message key, or undefined when nothing was enqueued yet. */
export function renderedHash(db: Db, messageKey: string): string | undefined {
  const row = sql<[string], { content_hash: string }>(
    db,
    'SELECT content_hash FROM maintenance_renders WHERE message_key = ?',
  ).get(messageKey);
  return row?.content_hash;
}

export function saveRenderedHash(db: Db, maintenanceId: string, messageKey: string, hash: string, now: Date): void {
  sql(
    db,
    `INSERT INTO maintenance_renders (message_key, maintenance_id, content_hash, enqueued_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (message_key) DO UPDATE SET content_hash = excluded.content_hash, enqueued_at = excluded.enqueued_at`,
  ).run(messageKey, maintenanceId, hash, now.toISOString());
}

interface OverdueRow {
  maintenance_id: string;
  state: string;
  level: number;
  opened_at: string;
  level_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  snoozed_until: string | null;
  snoozed_by: string | null;
  resolved_at: string | null;
}

export function getOverdue(db: Db, maintenanceId: string): OverdueState | undefined {
  const row = sql<[string], OverdueRow>(db, 'SELECT * FROM maintenance_overdue WHERE maintenance_id = ?').get(
    maintenanceId,
  );
  if (!row) return undefined;
  return {
    maintenanceId: row.maintenance_id,
    state: row.state as OverdueState['state'],
    level: row.level,
    openedAt: row.opened_at,
    levelAt: row.level_at,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
    snoozedUntil: row.snoozed_until,
    snoozedBy: row.snoozed_by,
    resolvedAt: row.resolved_at,
  };
}

export function saveOverdue(db: Db, overdue: OverdueState, now: Date): void {
  sql(
    db,
    `INSERT OR REPLACE INTO maintenance_overdue (maintenance_id, state, level, opened_at, level_at, acknowledged_by,
       acknowledged_at, snoozed_until, snoozed_by, resolved_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    overdue.maintenanceId,
    overdue.state,
    overdue.level,
    overdue.openedAt,
    overdue.levelAt,
    overdue.acknowledgedBy,
    overdue.acknowledgedAt,
    overdue.snoozedUntil,
    overdue.snoozedBy,
    overdue.resolvedAt,
    now.toISOString(),
  );
}

/** Lists every mention made in the maintenance's thread in a channel. */
export function listMentions(db: Db, maintenanceId: string, channel: string): Set<string> {
  const rows = sql<[string, string], { mention: string }>(
    db,
    'SELECT mention FROM maintenance_mentions WHERE maintenance_id = ? AND channel = ?',
  ).all(maintenanceId, channel);
  return new Set(rows.map((row) => row.mention));
}
