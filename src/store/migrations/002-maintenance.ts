import type { Migration } from '../db.js';

/**
 * Maintenances, the nodes in their scope, what was announced where, and the last content enqueued for each
 * of their Slack messages (so an unchanged render enqueues nothing).
 */
export const maintenanceMigration: Migration = {
  version: 2,
  name: 'maintenances and per-node recovery',
  up: `
    CREATE TABLE maintenances (
      id TEXT PRIMARY KEY,
      seq INTEGER NOT NULL UNIQUE,
      title TEXT NOT NULL,
      kind TEXT NOT NULL,
      vendor TEXT NOT NULL,
      owner TEXT NOT NULL,
      clusters TEXT NOT NULL,
      window_start TEXT NOT NULL,
      window_end TEXT NOT NULL,
      requires_reboot INTEGER NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('scheduled', 'announced', 'in_progress', 'recovering', 'completed', 'cancelled')),
      source TEXT NOT NULL CHECK (source IN ('config', 'slack', 'notice')),
      external_key TEXT UNIQUE,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      started_at TEXT,
      ended_at TEXT,
      closed_at TEXT,
      closed_by TEXT
    );
    CREATE INDEX maintenances_state ON maintenances (state);

    CREATE TABLE maintenance_nodes (
      maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
      cluster TEXT NOT NULL,
      node TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('scheduled', 'draining', 'down', 'returned', 'validated', 'failed')),
      state_since TEXT NOT NULL,
      snapshot TEXT,
      snapshot_at TEXT,
      cordoned_before INTEGER NOT NULL DEFAULT 0,
      boot_id_before TEXT,
      cordoned INTEGER NOT NULL DEFAULT 0,
      touched INTEGER NOT NULL DEFAULT 0,
      gpus_expected INTEGER NOT NULL DEFAULT 0,
      gpus_allocatable INTEGER NOT NULL DEFAULT 0,
      sku TEXT,
      rack TEXT,
      vendor TEXT NOT NULL,
      instance_id TEXT,
      teams TEXT NOT NULL DEFAULT '[]',
      verdict TEXT,
      checks TEXT NOT NULL DEFAULT '[]',
      failing_check TEXT,
      failing_since TEXT,
      reasons TEXT NOT NULL DEFAULT '[]',
      holds TEXT NOT NULL DEFAULT '[]',
      present INTEGER NOT NULL DEFAULT 1,
      down_at TEXT,
      returned_at TEXT,
      validated_at TEXT,
      uncordoned_by TEXT,
      uncordoned_at TEXT,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (maintenance_id, cluster, node)
    );
    CREATE INDEX maintenance_nodes_node ON maintenance_nodes (cluster, node);

    CREATE TABLE maintenance_channels (
      maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
      channel TEXT NOT NULL,
      radius TEXT,
      radius_at TEXT,
      PRIMARY KEY (maintenance_id, channel)
    );

    CREATE TABLE maintenance_announcements (
      maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
      channel TEXT NOT NULL,
      stage TEXT NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('posted', 'skipped')),
      at TEXT NOT NULL,
      PRIMARY KEY (maintenance_id, channel, stage)
    );

    CREATE TABLE maintenance_mentions (
      maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
      channel TEXT NOT NULL,
      mention TEXT NOT NULL,
      at TEXT NOT NULL,
      PRIMARY KEY (maintenance_id, channel, mention)
    );

    CREATE TABLE maintenance_renders (
      message_key TEXT PRIMARY KEY,
      maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
      content_hash TEXT NOT NULL,
      enqueued_at TEXT NOT NULL
    );

    CREATE TABLE maintenance_overdue (
      maintenance_id TEXT PRIMARY KEY REFERENCES maintenances (id),
      state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'snoozed', 'resolved')),
      level INTEGER NOT NULL,
      opened_at TEXT NOT NULL,
      level_at TEXT NOT NULL,
      acknowledged_by TEXT,
      acknowledged_at TEXT,
      snoozed_until TEXT,
      snoozed_by TEXT,
      resolved_at TEXT,
      updated_at TEXT NOT NULL
    );
  `,
};
