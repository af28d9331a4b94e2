import type { Migration } from '../db.js';

/**
 * Every vendor notice the intake received, read or not. `events`, `notes`, `matched` and `ended` are
 * JSON; `document` is the body as received (cut at the intake's size limit, which `error` then says).
 */
export const noticesMigration: Migration = {
  version: 3,
  name: 'vendor maintenance notices',
  up: `
    CREATE TABLE notices (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      received_at TEXT NOT NULL,
      origin TEXT,
      vendor TEXT,
      format TEXT,
      incarnation INTEGER,
      document TEXT NOT NULL,
      events TEXT NOT NULL,
      notes TEXT NOT NULL,
      matched TEXT,
      ended TEXT NOT NULL DEFAULT '[]',
      maintenance_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('matched', 'unmatched', 'empty', 'rejected')),
      error TEXT
    );
    CREATE INDEX notices_status ON notices (status, id);
    CREATE INDEX notices_origin ON notices (vendor, format, origin, id);
  `,
};
