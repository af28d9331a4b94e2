import type { Migration } from '../db.js';

export const noticesMigration: Migration = {
  version: 3,
  name: 'vendor maintenance notices',
  up: `
    CREATE TABLE notices (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      received_at TEXT NOT NULL,
      vendor TEXT,
      format TEXT,
      document TEXT NOT NULL,
      events TEXT NOT NULL,
      notes TEXT NOT NULL,
      matched TEXT,
      maintenance_id TEXT,
      status TEXT NOT NULL
    );
  `,
};
