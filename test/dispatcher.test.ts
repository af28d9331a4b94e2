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
import { enqueue, messageKeyAt, type OutboxItem, postedMessage, shownMessage } from '../src/store/outbox.js';

const TOKEN = 'xoxb-dispatcher-test';
const CHANNELS = [
  { id: 'C0EAST', name: 'gpu-east' },
  { id: 'C0WEST', name: 'gpu-west' },
];

interface OutboxState {
  id: number;
  message_key: string;
  kind: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

describe('Dispatcher', () => {
  let dir: string;
  let dbPath: string;
  let db: Db;
  let standIn: SlackStandIn;
  let clock: ManualClock;
  const running: Dispatcher[] = [];

  async function startStandIn(options: Partial<SlackStandInOptions> = {}): Promise<void> {
    standIn = await startSlackStandIn({ botToken: TOKEN, channels: CHANNELS, users: [{ id: 'U0ANA', name: 'ana' }], postsPerSecondPerChannel: 100, postBurst: 100, ...options });
  }

  function dispatcher(options: Partial<DispatcherOptions> = {}, store: Db = db): Dispatcher {
    const instance = new Dispatcher({
      db: store,
      client: createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, timeoutMs: 3000, log: silentLogger }),
      clock,
      log: silentLogger,
      minIntervalMsPerChannel: 10,
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

  function rows(store: Db = db): OutboxState[] {
    return store.prepare<[], OutboxState>('SELECT id, message_key, kind, state, attempts, last_error FROM outbox ORDER BY id').all();
  }

  function callCount(method: string): number {
    return standIn.calls.filter((call) => call.method === method).length;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pitstop-dispatcher-'));
    dbPath = join(dir, 'pitstop.db');
    db = openStore(dbPath);
    clock = new ManualClock('2026-03-01T10:00:00Z');
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((instance) => instance.stop()));
    await standIn.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts once then coalesces pending updates to the newest', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'alert:1', channel: 'C0EAST', payload: { text: 'v1' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    add({ kind: 'update', messageKey: 'alert:1', channel: 'C0EAST', payload: { text: 'v2' } });
    add({ kind: 'update', messageKey: 'alert:1', channel: 'C0EAST', payload: { text: 'v3', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'v3' } }] } });
    instance.wake();
    await instance.drain();

    expect(standIn.calls.filter((call) => call.method.startsWith('chat.')).map((call) => [call.method, call.arguments.text])).toEqual([
      ['chat.postMessage', 'v1'],
      ['chat.update', 'v3'],
    ]);
    expect(rows().map((row) => row.state)).toEqual(['sent', 'superseded', 'sent']);
    const [message] = standIn.messages('C0EAST');
    expect(message?.text).toBe('v3');
    expect(postedMessage(db, 'alert:1')).toEqual({ channel: 'C0EAST', ts: message?.ts });
    expect(messageKeyAt(db, 'C0EAST', message!.ts)).toBe('alert:1');
    expect(shownMessage(db, 'alert:1')?.text).toBe('v3');
    expect(instance.stats).toMatchObject({ posted: 1, updated: 1, coalesced: 1, dead: 0 });
  });

  it('posts the newest of the pending edits', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'alert:11', channel: 'C0EAST', payload: { text: 'v1', options: { unfurl_links: false } } });
    add({ kind: 'update', messageKey: 'alert:11', channel: 'C0EAST', payload: { text: 'v2' } });
    add({ kind: 'update', messageKey: 'alert:11', channel: 'C0EAST', payload: { text: 'v3' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();

    const chatCalls = standIn.calls.filter((call) => call.method.startsWith('chat.'));
    expect(chatCalls.map((call) => [call.method, call.arguments.text])).toEqual([['chat.postMessage', 'v3']]);
    expect(chatCalls[0]?.arguments.unfurl_links).toBe('false');
    expect(rows().map((row) => row.state)).toEqual(['sent', 'superseded', 'superseded']);
    expect(shownMessage(db, 'alert:11')?.text).toBe('v3');
    expect(instance.stats).toMatchObject({ posted: 1, updated: 0, coalesced: 2 });

    add({ kind: 'update', messageKey: 'alert:11', channel: 'C0EAST', payload: { text: 'v3' } });
    instance.wake();
    await instance.drain();
    expect(instance.stats).toMatchObject({ updated: 0, unchanged: 1 });
  });

  it('tags every post with its key in metadata', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'mx:MX-12', channel: 'C0EAST', payload: { text: 'MX-12 starts' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(standIn.messages('C0EAST')[0]?.metadata).toEqual({ event_type: 'pitstop_message', event_payload: { key: 'mx:MX-12' } });
  });

  it('skips an edit that shows what the message shows', async () => {
    await startStandIn();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'same' } }];
    add({ kind: 'post', messageKey: 'alert:2', channel: 'C0EAST', payload: { text: 'same', blocks } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    add({ kind: 'update', messageKey: 'alert:2', channel: 'C0EAST', payload: { text: 'same', blocks: [{ text: { text: 'same', type: 'mrkdwn' }, type: 'section' }] } });
    add({ kind: 'post', messageKey: 'alert:2', channel: 'C0EAST', payload: { text: 'same', blocks } });
    instance.wake();
    await instance.drain();
    expect(callCount('chat.update')).toBe(0);
    expect(callCount('chat.postMessage')).toBe(1);
    expect(instance.stats).toMatchObject({ unchanged: 1, coalesced: 1 });
  });

  it('retries a 429 after Retry-After and every post arrives in order', async () => {
    await startStandIn({ postsPerSecondPerChannel: 2, postBurst: 1 });
    for (const text of ['first', 'second', 'third']) add({ kind: 'post', messageKey: `m:${text}`, channel: 'C0EAST', payload: { text } });
    add({ kind: 'post', messageKey: 'm:west', channel: 'C0WEST', payload: { text: 'west' } });
    const instance = dispatcher({ minIntervalMsPerChannel: 0 });
    const started = performance.now();
    instance.start();
    await instance.drain();

    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['first', 'second', 'third']);
    expect(standIn.messages('C0WEST').map((message) => message.text)).toEqual(['west']);
    expect(instance.stats.retried).toBeGreaterThanOrEqual(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    const westIndex = standIn.calls.findIndex((call) => call.arguments.text === 'west');
    const thirdIndex = standIn.calls.findIndex((call) => call.arguments.text === 'third');
    expect(westIndex).toBeLessThan(thirdIndex);
    expect(rows().every((row) => row.state === 'sent')).toBe(true);
  }, 15_000);

  it('posts rejected blocks as text and logs them', async () => {
    await startStandIn();
    const { log, lines } = captureLog();
    add({ kind: 'post', messageKey: 'alert:big', channel: 'C0EAST', payload: { text: 'big', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] } });
    add({ kind: 'post', messageKey: 'alert:ok', channel: 'C0EAST', payload: { text: 'fine' } });
    const instance = dispatcher({ log });
    instance.start();
    await instance.drain();

    expect(rows().map((row) => row.state)).toEqual(['sent', 'sent']);
    const [big, fine] = standIn.messages('C0EAST');
    expect(big?.text).toContain('big');
    expect(big?.text).toContain('shown as text because Slack rejected its layout: invalid_blocks');
    expect(big?.blocks).toBeUndefined();
    expect(fine?.text).toBe('fine');
    expect(shownMessage(db, 'alert:big')?.text).toBe(big?.text);
    expect(callCount('chat.postMessage')).toBe(3);
    const logged = lines.find((line) => line.level === 50 && line.messageKey === 'alert:big');
    expect(logged?.error).toContain('invalid_blocks');
    expect(logged?.error).toContain('[json-pointer:/blocks/0/text/text]');
    expect(instance.stats).toMatchObject({ dead: 0, posted: 2, retried: 0, shownAsText: 1 });
  });

  it('marks a post to an unknown channel dead', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'lost', channel: 'C0GONE', payload: { text: 'nowhere' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(rows()[0]).toMatchObject({ state: 'dead', last_error: 'channel_not_found' });
  });

  it('holds a reply until its parent is posted', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { error: 'internal_error' });
    add({ kind: 'reply', messageKey: 'alert:3:ack', channel: 'C0EAST', threadKey: 'alert:3', payload: { text: 'acknowledged by ana' } });
    add({ kind: 'post', messageKey: 'alert:3', channel: 'C0EAST', payload: { text: 'alert 3' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();

    const [parent] = standIn.messages('C0EAST');
    expect(parent?.text).toBe('alert 3');
    expect(standIn.thread('C0EAST', parent!.ts).map((reply) => reply.text)).toEqual(['acknowledged by ana']);
    expect(postedMessage(db, 'alert:3:ack')?.ts).toBe(standIn.thread('C0EAST', parent!.ts)[0]?.ts);
    expect(instance.stats).toMatchObject({ posted: 2, retried: 1 });
    expect(callCount('conversations.history')).toBe(1);
  });

  it('holds an update until its message is posted', async () => {
    await startStandIn();
    add({ kind: 'update', messageKey: 'alert:4', channel: 'C0EAST', payload: { text: 'newer' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(standIn.calls).toEqual([]);
    add({ kind: 'post', messageKey: 'alert:4', channel: 'C0EAST', payload: { text: 'older' } });
    instance.wake();
    await instance.drain();
    expect(standIn.calls.map((call) => [call.method, call.arguments.text])).toEqual([
      ['chat.postMessage', 'older'],
      ['chat.update', 'newer'],
    ]);
  });

  it('recovers a post that crashed before its ts was recorded', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'alert:5', channel: 'C0EAST', payload: { text: 'alert 5' } });
    standIn.failNext('chat.postMessage', { holdResponse: true });
    const first = dispatcher();
    first.start();
    await standIn.waitForCalls('chat.postMessage', 1);
    expect(rows()[0]?.state).toBe('inflight');
    void first.stop();
    db.close();

    db = openStore(dbPath);
    const second = dispatcher({}, db);
    second.start();
    await second.drain();

    const messages = standIn.messages('C0EAST');
    expect(messages.map((message) => message.text)).toEqual(['alert 5']);
    expect(callCount('chat.postMessage')).toBe(1);
    expect(postedMessage(db, 'alert:5')).toEqual({ channel: 'C0EAST', ts: messages[0]?.ts });
    expect(rows()[0]?.state).toBe('sent');
    expect(second.stats.recovered).toBe(1);
  });

  it('looks for a post whose response was lost before posting again', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { dropResponse: true });
    add({ kind: 'post', messageKey: 'alert:6', channel: 'C0WEST', payload: { text: 'alert 6' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(standIn.messages('C0WEST')).toHaveLength(1);
    expect(callCount('chat.postMessage')).toBe(1);
    expect(instance.stats).toMatchObject({ retried: 1, recovered: 1, posted: 0 });
  });

  it('finds a lost reply in its thread', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'alert:9', channel: 'C0EAST', payload: { text: 'alert 9' } });
    add({ kind: 'reply', messageKey: 'alert:9:r', channel: 'C0EAST', threadKey: 'alert:9', payload: { text: 'escalated' } });
    const instance = dispatcher();
    instance.start();
    await standIn.waitForCalls('chat.postMessage', 1);
    standIn.failNext('chat.postMessage', { dropResponse: true });
    await instance.drain();
    const [parent] = standIn.messages('C0EAST');
    expect(standIn.thread('C0EAST', parent!.ts).map((reply) => reply.text)).toEqual(['escalated']);
    expect(callCount('conversations.replies')).toBe(1);
    expect(postedMessage(db, 'alert:9:r')?.ts).toBe(standIn.thread('C0EAST', parent!.ts)[0]?.ts);
    expect(instance.stats).toMatchObject({ posted: 1, recovered: 1 });
  });

  it('finds a lost post past the first history page', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { holdResponse: true });
    add({ kind: 'post', messageKey: 'alert:10', channel: 'C0EAST', payload: { text: 'alert 10' } });
    const first = dispatcher();
    first.start();
    await standIn.waitForCalls('chat.postMessage', 1);
    void first.stop();
    db.close();
    for (let i = 0; i < 250; i += 1) standIn.postUserMessage('C0EAST', { user: 'U0ANA', text: `chatter ${i}` });

    db = openStore(dbPath);
    const second = dispatcher({}, db);
    second.start();
    await second.drain();
    expect(callCount('chat.postMessage')).toBe(1);
    expect(callCount('conversations.history')).toBe(2);
    expect(second.stats.recovered).toBe(1);
  });

  it('posts again when an uncertain attempt never reached Slack', async () => {
    await startStandIn();
    standIn.failNext('chat.postMessage', { status: 503 });
    add({ kind: 'post', messageKey: 'alert:7', channel: 'C0WEST', payload: { text: 'alert 7' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(standIn.messages('C0WEST').map((message) => message.text)).toEqual(['alert 7']);
    expect(callCount('conversations.history')).toBe(1);
    expect(instance.stats).toMatchObject({ retried: 1, posted: 1, recovered: 0 });
  });

  it('repeats nothing after a restart on the same file', async () => {
    await startStandIn();
    add({ kind: 'post', messageKey: 'alert:8', channel: 'C0EAST', payload: { text: 'v1' } });
    add({ kind: 'update', messageKey: 'alert:8', channel: 'C0EAST', payload: { text: 'v2' } });
    add({ kind: 'reply', messageKey: 'alert:8:r1', channel: 'C0EAST', threadKey: 'alert:8', payload: { text: 'reply' } });
    add({ kind: 'ephemeral', messageKey: 'alert:8:e1', channel: 'C0EAST', payload: { text: 'only ana', options: { user: 'U0ANA' } } });
    const first = dispatcher();
    first.start();
    await first.drain();
    await first.stop();
    db.close();
    const before = standIn.calls.length;
    expect(before).toBe(3);

    db = openStore(dbPath);
    add({ kind: 'post', messageKey: 'alert:8', channel: 'C0EAST', payload: { text: 'v2' } });
    const second = dispatcher({}, db);
    second.start();
    await second.drain();
    expect(standIn.calls.length).toBe(before);
    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['v2']);
    expect(standIn.ephemerals('C0EAST', 'U0ANA').map((ephemeral) => ephemeral.text)).toEqual(['only ana']);
    expect(second.stats).toMatchObject({ posted: 0, updated: 0, unchanged: 1 });
  });

  it('marks an ephemeral without a user dead', async () => {
    await startStandIn();
    add({ kind: 'ephemeral', messageKey: 'e:nobody', channel: 'C0EAST', payload: { text: 'to whom?' } });
    const instance = dispatcher();
    instance.start();
    await instance.drain();
    expect(rows()[0]?.state).toBe('dead');
    expect(rows()[0]?.last_error).toContain('options.user');
    expect(standIn.calls).toEqual([]);
  });

  it('paces calls per channel', async () => {
    await startStandIn();
    for (const text of ['a', 'b', 'c']) add({ kind: 'post', messageKey: `p:${text}`, channel: 'C0EAST', payload: { text } });
    for (const text of ['d', 'e', 'f']) add({ kind: 'post', messageKey: `p:${text}`, channel: 'C0WEST', payload: { text } });
    const instance = dispatcher({ minIntervalMsPerChannel: 250 });
    const started = performance.now();
    instance.start();
    await instance.drain();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(1400);
    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['a', 'b', 'c']);
    expect(standIn.messages('C0WEST').map((message) => message.text)).toEqual(['d', 'e', 'f']);
  });
});
