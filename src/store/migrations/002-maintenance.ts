import type { Migration } from '../db.js';

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
      state TEXT NOT NULL CHECK (state IN ('scheduled', 'announced', 'in_progress', 'recovering', 'completed', 'cancelled')),
      source TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );

    CREATE TABLE maintenance_nodes (
      maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
      cluster TEXT NOT NULL,
      node TEXT NOT NULL,
      state TEXT NOT NULL,
      state_since TEXT NOT NULL,
      before TEXT,
      checks TEXT,
      failing_check TEXT,
      sku TEXT,
      rack TEXT,
      vendor TEXT,
      validated_at TEXT,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (maintenance_id, cluster, node)
    );
  `,
};
