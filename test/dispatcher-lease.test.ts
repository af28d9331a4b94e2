import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { type Logger, silentLogger } from '../src/log.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher, type DispatcherOptions } from '../src/slack/dispatcher.js';
import { type SlackStandIn, startSlackStandIn } from '../src/standins/slack-api.js';
import { type Db, openStore } from '../src/store/db.js';
import { enqueue } from '../src/store/outbox.js';

const TOKEN = 'xoxb-lease-test';
const CHANNELS = [
  { id: 'C0EAST', name: 'gpu-east' },
  { id: 'C0WEST', name: 'gpu-west' },
];

function postsPerKey(standIn: SlackStandIn): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of standIn.calls) {
    if (call.method !== 'chat.postMessage') continue;
    const key = (call.arguments.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key ?? '';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function captureLog(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { log, lines };
}

/** Returns the pid of a process that has exited, so no process has it for a while. */
function exitedPid(): number {
  const result = spawnSync(process.execPath, ['-e', '0']);
  return result.pid!;
}

describe('Dispatcher lease', () => {
  let dir: string;
  let dbPath: string;
  let standIn: SlackStandIn;
  const stores: Db[] = [];
  const running: Dispatcher[] = [];
  const clock = new ManualClock('2026-03-01T10:00:00Z');

  function store(): Db {
    const db = openStore(dbPath);
    stores.push(db);
    return db;
  }

  function dispatcher(db: Db, options: Partial<DispatcherOptions> = {}): Dispatcher {
    const instance = new Dispatcher({
      db,
      client: createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, timeoutMs: 3000, log: silentLogger }),
      clock,
      log: silentLogger,
      minIntervalMsPerChannel: 5,
      retryBaseMs: 20,
      maxRetryDelayMs: 200,
      pollIntervalMs: 50,
      ...options,
    });
    running.push(instance);
    return instance;
  }

  function insertLease(db: Db, pid: number, expiresAt: number): void {
    db.prepare('INSERT INTO outbox_lease (id, owner, pid, host, acquired_at, expires_at) VALUES (1, ?, ?, ?, ?, ?)').run(
      'another-owner',
      pid,
      hostname(),
      Date.now(),
      expiresAt,
    );
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitstop-lease-'));
    dbPath = join(dir, 'pitstop.db');
    standIn = await startSlackStandIn({ botToken: TOKEN, channels: CHANNELS, postsPerSecondPerChannel: 100, postBurst: 100 });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((instance) => instance.stop()));
    await standIn.close();
    for (const db of stores.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('second dispatcher on one file posts nothing twice', async () => {
    const db = store();
    for (let i = 0; i < 6; i += 1) {
      enqueue(db, { kind: 'post', messageKey: `alert:${i}`, channel: CHANNELS[i % 2]!.id, payload: { text: `alert ${i}` } }, clock.now());
    }
    // Slow posts keep the first dispatcher's calls in flight while the second one starts.
    standIn.failNext('chat.postMessage', { delayMs: 300 }, 2);
    const { log, lines } = captureLog();
    const first = dispatcher(db);
    first.start();
    await standIn.waitForCalls('chat.postMessage', 2);
    const second = dispatcher(store(), { log });
    second.start();
    await first.drain();
    await first.stop();
    await second.drain();

    expect([...postsPerKey(standIn).values()].every((count) => count === 1)).toBe(true);
    expect(postsPerKey(standIn).size).toBe(6);
    expect(standIn.messages('C0EAST')).toHaveLength(3);
    expect(standIn.messages('C0WEST')).toHaveLength(3);
    expect(lines.some((line) => line.level === 40 && line.msg.includes('another dispatcher'))).toBe(true);
    expect(lines.some((line) => line.msg === 'took over the outbox lease; delivering')).toBe(true);
  });

  it('takes over at once from an exited process', async () => {
    const db = store();
    insertLease(db, exitedPid(), Date.now() + 60_000);
    enqueue(db, { kind: 'post', messageKey: 'alert:1', channel: 'C0EAST', payload: { text: 'alert 1' } }, clock.now());
    const instance = dispatcher(db);
    instance.start();
    await instance.drain();
    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['alert 1']);
  });

  it('waits for a live holder until its lease expires', async () => {
    const db = store();
    insertLease(db, process.ppid, Date.now() + 400);
    enqueue(db, { kind: 'post', messageKey: 'alert:2', channel: 'C0WEST', payload: { text: 'alert 2' } }, clock.now());
    const instance = dispatcher(db);
    const started = performance.now();
    instance.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(standIn.calls).toEqual([]);
    await instance.drain();
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect(standIn.messages('C0WEST').map((message) => message.text)).toEqual(['alert 2']);
  });

  it('releases the lease on stop', async () => {
    const db = store();
    const instance = dispatcher(db);
    instance.start();
    expect(db.prepare('SELECT COUNT(*) FROM outbox_lease').pluck().get()).toBe(1);
    await instance.stop();
    expect(db.prepare('SELECT COUNT(*) FROM outbox_lease').pluck().get()).toBe(0);
  });
});
