import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { type Logger, silentLogger } from '../src/log.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher, type DispatcherOptions } from '../src/slack/dispatcher.js';
import { type SlackStandIn, type SlackStandInOptions, startSlackStandIn } from '../src/standins/slack-api.js';
import { type Db, openStore } from '../src/store/db.js';
import { enqueue, type OutboxItem } from '../src/store/outbox.js';

const TOKEN = 'xoxb-failures-test';
const CHANNELS = [
  { id: 'C0EAST', name: 'gpu-east' },
  { id: 'C0WEST', name: 'gpu-west' },
];

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

describe('Dispatcher failures', () => {
  let dir: string;
  let db: Db;
  let standIn: SlackStandIn;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const running: Dispatcher[] = [];

  async function startStandIn(options: Partial<SlackStandInOptions> = {}): Promise<void> {
    standIn = await startSlackStandIn({ botToken: TOKEN, channels: CHANNELS, postsPerSecondPerChannel: 100, postBurst: 100, ...options });
  }

  function dispatcher(options: Partial<DispatcherOptions> = {}): Dispatcher {
    const instance = new Dispatcher({
      db,
      client: createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, timeoutMs: 3000, log: silentLogger }),
      clock,
      log: silentLogger,
      minIntervalMsPerChannel: 5,
      retryBaseMs: 20,
      maxRetryDelayMs: 200,
      ...options,
    });
    running.push(instance);
    return instance;
  }

  function add(item: OutboxItem): number {
    return enqueue(db, item, clock.now());
  }

  function states(): string[] {
    return db.prepare<[], { state: string }>('SELECT state FROM outbox ORDER BY id').all().map((row) => row.state);
  }

  function calls(method: string): number {
    return standIn.calls.filter((call) => call.method === method).length;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitstop-failures-'));
    db = openStore(join(dir, 'pitstop.db'));
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((instance) => instance.stop()));
    await standIn.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses on a revoked token and keeps rows', async () => {
    await startStandIn();
    for (let i = 0; i < 6; i += 1) {
      add({ kind: 'post', messageKey: `alert:${i}`, channel: CHANNELS[i % 2]!.id, payload: { text: `alert ${i}` } });
    }
    standIn.failNext('chat.postMessage', { error: 'token_revoked' }, 3);
    const { log, lines } = captureLog();
    const instance = dispatcher({ log, retryBaseMs: 150 });
    instance.start();
    await instance.drain();

    expect(states()).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'sent']);
    expect(standIn.messages('C0EAST')).toHaveLength(3);
    expect(standIn.messages('C0WEST')).toHaveLength(3);
    expect(instance.stats.dead).toBe(0);
    // Both lanes fail at most once per pause instead of each retrying on its own backoff.
    expect(calls('chat.postMessage')).toBeLessThanOrEqual(6 + 3);
    const paused = lines.filter((line) => line.level === 50 && line.msg.includes('Slack rejected the bot token'));
    expect(paused.length).toBeGreaterThanOrEqual(1);
    expect(paused.length).toBeLessThanOrEqual(3);
    expect(paused[0]?.msg).toContain('token_revoked');
    expect(lines.some((line) => line.msg === 'Slack accepted the bot token again; delivery resumed')).toBe(true);
  });
});
