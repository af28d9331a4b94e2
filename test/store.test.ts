import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/db.js';
import { migrations } from '../src/store/migrations/index.js';
import { enqueue, readTimeline, recordTimeline } from '../src/store/outbox.js';

describe('store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitstop-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens in WAL mode with every migration applied', () => {
    const db = openStore(join(dir, 'p.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
    db.close();
  });

  it('applies migrations once across reopenings', () => {
    openStore(join(dir, 'p.db')).close();
    const db = openStore(join(dir, 'p.db'));
    const count = db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get();
    expect(count).toBe(migrations.length);
    db.close();
  });

  it('rolls back the outbox item with its failed transaction', () => {
    const db = openStore(join(dir, 'p.db'));
    const now = new Date('2026-01-01T00:00:00Z');
    expect(() =>
      db.transaction(() => {
        recordTimeline(db, { subjectType: 'alert', subjectId: '1', actor: 'U1', action: 'acknowledged' }, now);
        enqueue(db, { kind: 'update', messageKey: 'alert:1', channel: 'C1', payload: { text: 'x' } }, now);
        throw new Error('state change failed');
      })(),
    ).toThrow('state change failed');
    expect(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get()).toBe(0);
    expect(readTimeline(db, 'alert', '1')).toEqual([]);
    db.close();
  });

  it('rejects a reply without the message it threads under', () => {
    const db = openStore(join(dir, 'p.db'));
    expect(() =>
      enqueue(db, { kind: 'reply', messageKey: 'r', channel: 'C1', payload: { text: 'x' } }, new Date()),
    ).toThrow(/threadKey/);
    db.close();
  });
});
