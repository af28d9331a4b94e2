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
import { enqueue, type OutboxItem, postedMessage } from '../src/store/outbox.js';

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

  it('posts the newest edit of a rejected post', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { error: 'invalid_arguments' });
    add({ kind: 'post', messageKey: 'mx:MX-1', channel: 'C0EAST', payload: { text: 'v1' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(states()).toEqual(['dead']);

    add({ kind: 'update', messageKey: 'mx:MX-1', channel: 'C0EAST', payload: { text: 'v2' } });
    add({ kind: 'update', messageKey: 'mx:MX-1', channel: 'C0EAST', payload: { text: 'v3' } });
    add({ kind: 'reply', messageKey: 'mx:MX-1:r', channel: 'C0EAST', threadKey: 'mx:MX-1', payload: { text: 'started' } });
    instance.wake();
    await instance.drain();

    const [message] = standIn.messages('C0EAST');
    expect(message?.text).toBe('v3');
    expect(standIn.thread('C0EAST', message!.ts).map((reply) => reply.text)).toEqual(['started']);
    expect(states()).toEqual(['dead', 'superseded', 'sent', 'sent']);
  });

  it('kills rows waiting on a missing channel', async () => {
    await startStandIn();
    const { log, lines } = captureLog();
    add({ kind: 'post', messageKey: 'alert:1', channel: 'C0GONE', payload: { text: 'alert 1' } });
    add({ kind: 'post', messageKey: 'alert:2', channel: 'C0WEST', payload: { text: 'alert 2' } });
    const instance = dispatcher({ log });
    instance.start();
    await instance.drain();
    for (let i = 0; i < 3; i += 1) add({ kind: 'update', messageKey: 'alert:1', channel: 'C0GONE', payload: { text: `alert 1 v${i}` } });
    add({ kind: 'reply', messageKey: 'alert:1:r', channel: 'C0GONE', threadKey: 'alert:1', payload: { text: 'acknowledged' } });
    instance.wake();
    await instance.drain();

    expect(states()).toEqual(['dead', 'sent', 'dead', 'dead', 'dead', 'dead']);
    expect(calls('chat.postMessage')).toBe(2);
    expect(standIn.messages('C0WEST').map((message) => message.text)).toEqual(['alert 2']);
    const summary = lines.filter((line) => line.level === 50 && line.msg.includes('the message they edit or reply to was not posted'));
    expect(summary).toHaveLength(1);
    expect(summary[0]?.msg).toContain('channel_not_found');
    expect(instance.stats.dead).toBe(5);
  });

  it('updates rejected blocks as text', async () => {
    await startStandIn();
    const attachments = [{ color: '#d00000', text: 'details' }];
    add({ kind: 'post', messageKey: 'alert:3', channel: 'C0EAST', payload: { text: 'v1', options: { attachments } } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } }];
    add({ kind: 'update', messageKey: 'alert:3', channel: 'C0EAST', payload: { text: 'v2 '.repeat(2000), blocks, options: { attachments } } });
    instance.wake();
    await instance.drain();

    const [message] = standIn.messages('C0EAST');
    expect(message?.text.length).toBeLessThanOrEqual(3500);
    expect(message?.text).toMatch(/^v2 v2/);
    expect(message?.text).toContain('shown as text because Slack rejected its layout: invalid_blocks');
    expect(message?.blocks).toBeUndefined();
    expect(message?.attachments).toBeUndefined();
    expect(states()).toEqual(['sent', 'sent']);
    expect(instance.stats).toMatchObject({ updated: 1, shownAsText: 1, dead: 0 });
  });

  it('logs rows waiting for a message once', async () => {
    await startStandIn();
    const { log, lines } = captureLog();
    for (let i = 0; i < 5; i += 1) add({ kind: 'update', messageKey: 'alert:9', channel: 'C0EAST', payload: { text: `v${i}` } });
    const instance = dispatcher({ log });
    instance.start();
    await instance.drain();
    instance.wake();
    await instance.drain();

    const waiting = lines.filter((line) => line.msg.includes('wait for message alert:9'));
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.msg).toContain('5 outbox row(s)');
    expect(states()).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
  });

  it('marks rows it cannot read dead', async () => {
    await startStandIn();
    const { log, lines } = captureLog();
    const now = clock.now().toISOString();
    const insert = db.prepare(
      `INSERT INTO outbox (message_key, kind, channel, payload, next_attempt_at, created_at) VALUES (?, ?, 'C0EAST', ?, ?, ?)`,
    );
    insert.run('alert:bad', 'post', '{not json', now, now);
    add({ kind: 'post', messageKey: 'alert:good', channel: 'C0EAST', payload: { text: 'good' } });
    insert.run('alert:good', 'update', '{"blocks": []}', now, now);
    add({ kind: 'update', messageKey: 'alert:good', channel: 'C0EAST', payload: { text: 'good v2' } });
    const instance = dispatcher({ log });
    instance.start();
    await instance.drain();

    expect(states()).toEqual(['dead', 'sent', 'dead', 'superseded']);
    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['good v2']);
    const errors = lines.filter((line) => line.level === 50);
    expect(errors.map((line) => line.msg)).toEqual([
      expect.stringContaining('outbox row 1 (alert:bad) has an invalid payload: not JSON'),
      expect.stringContaining('outbox row 3 (alert:good) has an invalid payload: expected an object with a text string'),
    ]);
    expect(instance.stats.dead).toBe(2);
  });

  it('retries a coalesced post with its newest edit', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { error: 'service_unavailable' });
    standIn.failNext('chat.postMessage', { error: 'internal_error' });
    add({ kind: 'post', messageKey: 'alert:5', channel: 'C0EAST', payload: { text: 'v1' } });
    add({ kind: 'update', messageKey: 'alert:5', channel: 'C0EAST', payload: { text: 'v2' } });
    add({ kind: 'update', messageKey: 'alert:5', channel: 'C0EAST', payload: { text: 'v3' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();

    expect(standIn.calls.filter((call) => call.method === 'chat.postMessage').map((call) => call.arguments.text)).toEqual(['v3', 'v3', 'v3']);
    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['v3']);
    expect(states()).toEqual(['sent', 'superseded', 'superseded']);
  });

  it('counts rate limits in one line', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { rateLimited: 0 }, 5);
    const { log, lines } = captureLog();
    for (let i = 0; i < 3; i += 1) add({ kind: 'post', messageKey: `alert:${i}`, channel: 'C0EAST', payload: { text: `alert ${i}` } });
    const instance = dispatcher({ log });
    instance.start();
    await instance.drain();

    expect(standIn.messages('C0EAST')).toHaveLength(3);
    expect(instance.stats.retried).toBe(5);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain('Slack rate-limited 1 call(s)');
  });

  it('sends a rejected ephemeral as text', async () => {
    await startStandIn({ users: [{ id: 'U0ANA', name: 'ana' }] });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'z'.repeat(3001) } }];
    add({ kind: 'ephemeral', messageKey: 'e:1', channel: 'C0EAST', payload: { text: 'only for ana', blocks, options: { user: 'U0ANA' } } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();

    const [ephemeral] = standIn.ephemerals('C0EAST', 'U0ANA');
    expect(ephemeral?.text).toContain('only for ana');
    expect(ephemeral?.blocks).toBeUndefined();
    expect(states()).toEqual(['sent']);
    expect(instance.stats).toMatchObject({ ephemeral: 1, shownAsText: 1, dead: 0 });
  });

  it('finds a lost post behind many newer messages', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { dropResponse: true });
    add({ kind: 'post', messageKey: 'alert:6', channel: 'C0EAST', payload: { text: 'alert 6' } });
    const instance = dispatcher({ retryBaseMs: 300 });
    instance.start();
    await standIn.waitForCalls('chat.postMessage', 1);
    // People keep talking in the channel before the lookup runs.
    for (let i = 0; i < 1200; i += 1) standIn.postUserMessage('C0EAST', { user: 'U0ANA', text: `chatter ${i}` });
    await instance.drain();

    expect(calls('chat.postMessage')).toBe(1);
    expect(calls('conversations.history')).toBe(7);
    expect(standIn.calls.find((call) => call.method === 'conversations.history')?.arguments.oldest).toMatch(/^\d+\.000000$/);
    expect(instance.stats).toMatchObject({ recovered: 1, posted: 0 });
  });

  it('holds back a rate-limited method everywhere', async () => {
    const channels = Array.from({ length: 24 }, (_, index) => ({ id: `C0CH${index}`, name: `ch-${index}` }));
    // chat.update is limited per workspace, so a 429 in one channel applies to every channel.
    await startStandIn({ channels, methodLimits: { 'chat.update': { perMinute: 720, burst: 8 } } });
    for (const channel of channels) add({ kind: 'post', messageKey: `m:${channel.id}`, channel: channel.id, payload: { text: 'v1' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    for (const channel of channels) add({ kind: 'update', messageKey: `m:${channel.id}`, channel: channel.id, payload: { text: 'v2' } });
    instance.wake();
    await instance.drain();

    expect(channels.every((channel) => standIn.messages(channel.id)[0]?.text === 'v2')).toBe(true);
    // Each Retry-After window lets through the calls already in flight (up to 4) and no more.
    expect(instance.stats.retried).toBeLessThanOrEqual(12);
  }, 10_000);

  it('posts again a message deleted in Slack', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'alert:7', channel: 'C0EAST', payload: { text: 'v1' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    const [first] = standIn.messages('C0EAST');
    const admin = createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, log: silentLogger });
    await admin.chat.delete({ channel: 'C0EAST', ts: first!.ts });

    add({ kind: 'update', messageKey: 'alert:7', channel: 'C0EAST', payload: { text: 'v2' } });
    add({ kind: 'reply', messageKey: 'alert:7:r', channel: 'C0EAST', threadKey: 'alert:7', payload: { text: 'escalated' } });
    instance.wake();
    await instance.drain();

    const messages = standIn.messages('C0EAST');
    expect(messages.map((message) => message.text)).toEqual(['v2']);
    expect(messages[0]?.ts).not.toBe(first?.ts);
    expect(standIn.thread('C0EAST', messages[0]!.ts).map((reply) => reply.text)).toEqual(['escalated']);
    expect(postedMessage(db, 'alert:7')?.ts).toBe(messages[0]?.ts);
    expect(states()).toEqual(['sent', 'sent', 'sent']);
    expect(instance.stats.dead).toBe(0);
  });
});
