import type { Migration } from '../db.js';

export const coreMigration: Migration = {
  version: 1,
  name: 'alerts, timeline, slack messages, outbox',
  up: `
    CREATE TABLE alerts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      group_key TEXT NOT NULL,
      cluster TEXT NOT NULL,
      team TEXT,
      cause TEXT NOT NULL,
      channel TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'escalated', 'snoozed', 'resolved')),
      escalation_level INTEGER NOT NULL DEFAULT 0,
      escalated_by TEXT,
      escalated_at TEXT,
      waiting_since TEXT NOT NULL,
      acknowledged_by TEXT,
      acknowledged_at TEXT,
      snoozed_until TEXT,
      snoozed_by TEXT,
      maintenance_id TEXT,
      pod_count INTEGER NOT NULL,
      reported_count INTEGER NOT NULL,
      summary TEXT NOT NULL,
      snapshot TEXT NOT NULL,
      rendered_hash TEXT,
      reply_seq INTEGER NOT NULL DEFAULT 0,
      opened_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      resolved_at TEXT,
      resolved_by TEXT
    );
    CREATE UNIQUE INDEX alerts_open_group ON alerts (group_key) WHERE state <> 'resolved';
    CREATE INDEX alerts_cluster_state ON alerts (cluster, state);

    CREATE TABLE timeline (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      subject_type TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      at TEXT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      detail TEXT
    );
    CREATE INDEX timeline_subject ON timeline (subject_type, subject_id, id);

    CREATE TABLE slack_messages (
      key TEXT PRIMARY KEY,
      channel TEXT NOT NULL,
      ts TEXT,
      thread_ts TEXT,
      content_hash TEXT,
      shows TEXT,
      posted_at TEXT,
      updated_at TEXT
    );
    CREATE UNIQUE INDEX slack_messages_ts ON slack_messages (channel, ts) WHERE ts IS NOT NULL;

    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message_key TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('post', 'update', 'reply', 'ephemeral')),
      channel TEXT NOT NULL,
      thread_key TEXT,
      payload TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'inflight', 'sent', 'superseded', 'dead')),
      attempts INTEGER NOT NULL DEFAULT 0,
      -- 1 when an attempt may have reached Slack (lost response, timeout, crash), so a post first looks
      -- for itself by its metadata key before posting again.
      uncertain INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT NOT NULL,
      last_error TEXT,
      created_at TEXT NOT NULL,
      sent_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox (state, next_attempt_at, id);
    CREATE INDEX outbox_message ON outbox (message_key, state);
    -- The dispatcher's lanes: one per channel for posts and edits, one per channel for ephemerals.
    CREATE INDEX outbox_lane ON outbox (state, (CASE WHEN kind = 'ephemeral' THEN 'ephemeral:' || channel ELSE channel END), id);

    CREATE TABLE interactions (
      id TEXT PRIMARY KEY,
      at TEXT NOT NULL
    );
  `,
};
