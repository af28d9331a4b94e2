import type { Migration } from '../db.js';

/**
 * The outbox lease: the one dispatcher allowed to deliver from this store. `expires_at` is wall-clock epoch
 * milliseconds; `pid` and `host` let a dispatcher on the same host see that the holder has exited.
 */
export const outboxLeaseMigration: Migration = {
  version: 4,
  name: 'outbox delivery lease',
  up: `
    CREATE TABLE outbox_lease (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      owner TEXT NOT NULL,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      acquired_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `,
};
