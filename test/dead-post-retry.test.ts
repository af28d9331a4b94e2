import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { getAlert, listOpenAlerts } from '../src/alerts/store.js';
import type { Logger } from '../src/log.js';
import type { Maintenance } from '../src/maintenance/model.js';
import { publishMessage } from '../src/maintenance/publish.js';
import { insertMaintenance } from '../src/maintenance/store.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher } from '../src/slack/dispatcher.js';
import { startSlackStandIn, type SlackStandIn } from '../src/standins/slack-api.js';
import { DEAD_POST_RETRY_MS } from '../src/store/dead-posts.js';
import type { Db } from '../src/store/db.js';
import { postedMessage } from '../src/store/outbox.js';
import { CHANNEL, CLUSTER, node, pendingPod, removeStore, StaticFleet, testConfig, testContext, type TestContext } from './alert-fixtures.js';

const TOKEN = 'xoxb-dead-post-retry';
const MESSAGE = '0/40 nodes are available: 24 node(s) were unschedulable, 16 Insufficient nvidia.com/gpu.';
const SINCE = '2026-03-02T11:00:00Z';
const RETRY_LINE = /^posting .* again/;

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const lines: LogLine[] = [];
const log: Logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
const standIns: SlackStandIn[] = [];
const dispatchers: Dispatcher[] = [];
const contexts: TestContext[] = [];

function fleet(): StaticFleet {
  const view = new StaticFleet();
  for (let index = 0; index < 24; index += 1) view.nodeList.push(node(`gpu-${index}`, { cordoned: true }));
  for (let index = 24; index < 40; index += 1) view.nodeList.push(node(`gpu-${index}`));
  view.podList = Array.from({ length: 31 }, (_, index) =>
    pendingPod(`trainer-${index}`, { message: MESSAGE, since: SINCE, owner: { kind: 'JobSet', name: 'llm' } }),
  );
  return view;
}

async function standIn(channels: { id: string; name: string }[]): Promise<SlackStandIn> {
  const started = await startSlackStandIn({ botToken: TOKEN, channels, postsPerSecondPerChannel: 100, postBurst: 100 });
  standIns.push(started);
  return started;
}

function startDispatcher(ctx: TestContext, slack: SlackStandIn): Dispatcher {
  const dispatcher = new Dispatcher({
    db: ctx.db,
    client: createDispatchClient({ botToken: TOKEN, slackApiUrl: slack.url, timeoutMs: 3000, log }),
    clock: ctx.clock,
    log,
    minIntervalMsPerChannel: 5,
    retryBaseMs: 20,
    maxRetryDelayMs: 200,
  });
  dispatchers.push(dispatcher);
  dispatcher.start();
  return dispatcher;
}

function context(options: Parameters<typeof testContext>[0] = {}): TestContext {
  const created = testContext({ fleet: fleet(), ...options });
  created.log = log;
  contexts.push(created);
  return created;
}

async function deliver(dispatcher: Dispatcher): Promise<void> {
  dispatcher.wake();
  await dispatcher.drain();
}

function postRows(db: Db, key: string): { state: string; channel: string; last_error: string | null }[] {
  return db
    .prepare<[string], { state: string; channel: string; last_error: string | null }>(
      `SELECT state, channel, last_error FROM outbox WHERE message_key = ? AND kind IN ('post', 'reply') ORDER BY id`,
    )
    .all(key);
}

function retryLines(): LogLine[] {
  return lines.filter((line) => RETRY_LINE.test(line.msg));
}

function postCalls(slack: SlackStandIn): number {
  return slack.calls.filter((call) => call.method === 'chat.postMessage').length;
}

afterEach(async () => {
  for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
  for (const slack of standIns.splice(0)) await slack.close();
  const paths = new Set<string>();
  for (const created of contexts.splice(0)) {
    if (created.db.open) created.close();
    paths.add(created.path);
  }
  for (const path of paths) removeStore(path);
  lines.length = 0;
});

describe('dead post retry', () => {
  it('posts a dead alert once after the interval', async () => {
    const ctx = context();
    const unknown = await standIn([]);
    let dispatcher = startDispatcher(ctx, unknown);
    reconcileAlerts(ctx);
    await deliver(dispatcher);
    const key = `alert:${listOpenAlerts(ctx.db)[0]!.id}`;
    expect(postRows(ctx.db, key)).toEqual([{ state: 'dead', channel: CHANNEL, last_error: 'channel_not_found' }]);
    expect(lines.some((line) => line.msg.startsWith(`outbox post ${key} is dead`))).toBe(true);

    for (let pass = 0; pass < 14; pass += 1) {
      ctx.clock.advance(60_000);
      reconcileAlerts(ctx);
    }
    expect(postRows(ctx.db, key)).toHaveLength(1);
    expect(retryLines()).toHaveLength(0);

    // The bot is invited: the channel now exists for it.
    await dispatcher.stop();
    const invited = await standIn([{ id: CHANNEL, name: 'gpu-east' }]);
    dispatcher = startDispatcher(ctx, invited);
    ctx.clock.advance(DEAD_POST_RETRY_MS - 14 * 60_000);
    reconcileAlerts(ctx);
    reconcileAlerts(ctx);
    await deliver(dispatcher);
    expect(retryLines()).toHaveLength(1);
    expect(retryLines()[0]!.reason).toBe('interval');
    expect(invited.messages(CHANNEL)).toHaveLength(1);
    expect(postedMessage(ctx.db, key)?.channel).toBe(CHANNEL);

    for (let pass = 0; pass < 4; pass += 1) {
      ctx.clock.advance(DEAD_POST_RETRY_MS);
      reconcileAlerts(ctx);
      await deliver(dispatcher);
    }
    expect(postCalls(invited)).toBe(1);
    expect(invited.messages(CHANNEL)).toHaveLength(1);
    expect(retryLines()).toHaveLength(1);
  });

  it('retries a dead post at once after a restart', async () => {
    const first = context();
    const unknown = await standIn([]);
    const dispatcher = startDispatcher(first, unknown);
    reconcileAlerts(first);
    await deliver(dispatcher);
    const key = `alert:${listOpenAlerts(first.db)[0]!.id}`;
    expect(postRows(first.db, key).map((row) => row.state)).toEqual(['dead']);
    await dispatcher.stop();
    first.close();

    const invited = await standIn([{ id: CHANNEL, name: 'gpu-east' }]);
    const second = context({ path: first.path, start: '2026-03-02T12:01:00Z' });
    const secondDispatcher = startDispatcher(second, invited);
    reconcileAlerts(second);
    reconcileAlerts(second);
    await deliver(secondDispatcher);
    expect(retryLines().map((line) => line.reason)).toEqual(['restart']);
    expect(invited.messages(CHANNEL)).toHaveLength(1);
    await secondDispatcher.stop();
    second.close();

    const third = context({ path: first.path, start: '2026-03-02T13:00:00Z' });
    const thirdDispatcher = startDispatcher(third, invited);
    reconcileAlerts(third);
    await deliver(thirdDispatcher);
    expect(postCalls(invited)).toBe(1);
    expect(retryLines()).toHaveLength(1);
  });

  it('posts a dead alert to the corrected channel', async () => {
    const right = 'C0RIGHT';
    const wrongConfig = testConfig({ clusters: [{ name: CLUSTER, vendor: 'coreweave', context: 'gpu-east', channel: 'C0WRONG' }] });
    const first = context({ config: wrongConfig });
    const slack = await standIn([{ id: right, name: 'gpu-east' }]);
    const dispatcher = startDispatcher(first, slack);
    reconcileAlerts(first);
    await deliver(dispatcher);
    const id = listOpenAlerts(first.db)[0]!.id;
    expect(postRows(first.db, `alert:${id}`)).toEqual([{ state: 'dead', channel: 'C0WRONG', last_error: 'channel_not_found' }]);
    await dispatcher.stop();
    first.close();

    const fixedConfig = testConfig({ clusters: [{ name: CLUSTER, vendor: 'coreweave', context: 'gpu-east', channel: right }] });
    const second = context({ path: first.path, config: fixedConfig, start: '2026-03-02T12:01:00Z' });
    const secondDispatcher = startDispatcher(second, slack);
    reconcileAlerts(second);
    await deliver(secondDispatcher);
    expect(slack.messages(right)).toHaveLength(1);
    expect(getAlert(second.db, id)?.channel).toBe(right);
    expect(postedMessage(second.db, `alert:${id}`)?.channel).toBe(right);
  });

  it('posts a dead maintenance message again, not as an edit', async () => {
    const ctx = context();
    insertMaintenance(ctx.db, maintenance());
    const unknown = await standIn([]);
    let dispatcher = startDispatcher(ctx, unknown);
    const key = 'maint:MNT-1:C0GPUEAST:thread';
    const publish = (text: string) =>
      ctx.db.transaction(() => publishMessage(ctx, { maintenanceId: 'MNT-1', key, channel: CHANNEL, first: 'post', payload: { text } }))();
    expect(publish('window opens at 14:00')).toBe(true);
    await deliver(dispatcher);
    expect(postRows(ctx.db, key).map((row) => row.state)).toEqual(['dead']);

    ctx.clock.advance(60_000);
    expect(publish('window opens at 14:00, 2 nodes')).toBe(false);
    expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE message_key = ?').get(key)).toEqual({ n: 1 });

    await dispatcher.stop();
    const invited = await standIn([{ id: CHANNEL, name: 'gpu-east' }]);
    dispatcher = startDispatcher(ctx, invited);
    ctx.clock.advance(DEAD_POST_RETRY_MS);
    expect(publish('window opens at 14:00, 2 nodes')).toBe(true);
    expect(publish('window opens at 14:00, 2 nodes')).toBe(false);
    await deliver(dispatcher);
    expect(invited.messages(CHANNEL).map((message) => message.text)).toEqual(['window opens at 14:00, 2 nodes']);
    expect(retryLines()).toHaveLength(1);

    ctx.clock.advance(DEAD_POST_RETRY_MS);
    expect(publish('window opens at 14:00, 2 nodes')).toBe(false);
    expect(publish('window opens at 14:00, 3 nodes')).toBe(true);
    await deliver(dispatcher);
    expect(postCalls(invited)).toBe(1);
    expect(invited.messages(CHANNEL).map((message) => message.text)).toEqual(['window opens at 14:00, 3 nodes']);
  });
});

function maintenance(): Maintenance {
  return {
    id: 'MNT-1',
    seq: 1,
    title: 'NIC firmware update',
    kind: 'firmware',
    vendor: 'coreweave',
    owner: 'fleet-team',
    clusters: [{ cluster: CLUSTER, scope: { all: true } }],
    windowStart: '2026-03-02T14:00:00Z',
    windowEnd: '2026-03-02T18:00:00Z',
    requiresReboot: true,
    state: 'scheduled',
    source: 'config',
    externalKey: null,
    createdBy: 'test',
    createdAt: SINCE,
    updatedAt: SINCE,
    startedAt: null,
    endedAt: null,
    closedAt: null,
    closedBy: null,
  };
}
