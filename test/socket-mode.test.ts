import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { formatAlertId, listOpenAlerts, type Alert } from '../src/alerts/store.js';
import { ManualClock } from '../src/clock.js';
import type { PitstopContext } from '../src/context.js';
import { SLASH_COMMAND } from '../src/handlers/commands.js';
import { silentLogger } from '../src/log.js';
import { createSlackApp, type SlackApp } from '../src/slack/app.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher } from '../src/slack/dispatcher.js';
import { ALERT_ACTION_IDS } from '../src/slack/messages/alert.js';
import { startSlackStandIn, type SlackStandIn, type StandInMessage } from '../src/standins/slack-api.js';
import { blockActionPayload } from '../src/standins/slack-interactions.js';
import { sendSocketBlockAction, sendSocketSlashCommand } from '../src/standins/slack-socket.js';
import { openStore, type Db } from '../src/store/db.js';
import { readTimeline } from '../src/store/outbox.js';
import { CHANNEL, ML_GROUP, node, pendingPod, StaticFleet, testConfig } from './alert-fixtures.js';

const BOT_TOKEN = 'xoxb-socket-mode';
const APP_TOKEN = 'xapp-1-A0PITSTOP-socket-mode';
const TEAM = 'T0STANDIN';
const CORDON_MESSAGE = '0/4 nodes are available: 4 node(s) were unschedulable.';

let dir: string;
let db: Db;
let standIn: SlackStandIn;
let dispatcher: Dispatcher;
let ctx: PitstopContext;
let slack: SlackApp;

async function settle(): Promise<void> {
  dispatcher.wake();
  await dispatcher.drain();
}

/** Waits until the condition holds, because action listeners run after the ack has gone out. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function countCalls(method: string): number {
  return standIn.calls.filter((call) => call.method === method).length;
}

function mlAlert(): Alert {
  const alert = listOpenAlerts(db).find((entry) => entry.team === 'ml');
  if (!alert) throw new Error('no open alert for team ml');
  return alert;
}

function rootMessage(alert: Alert): StandInMessage {
  const message = standIn.messages(CHANNEL).find((entry) => entry.text.startsWith(`${formatAlertId(alert.id)}:`));
  if (!message) throw new Error(`no message for ${formatAlertId(alert.id)}`);
  return message;
}

function actionsBlockId(message: StandInMessage): string {
  const block = (message.blocks as { type: string; block_id?: string }[]).find((entry) => entry.type === 'actions');
  return block?.block_id ?? '';
}

function helpCommand(user: string) {
  return {
    command: SLASH_COMMAND,
    text: 'help',
    userId: user,
    channelId: CHANNEL,
    teamId: TEAM,
    triggerId: standIn.issueTriggerId({ user }),
    responseUrl: standIn.issueResponseUrl({ channel: CHANNEL, user }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-socket-mode-'));
  db = openStore(join(dir, 'pitstop.db'));
  const clock = new ManualClock('2026-03-02T12:00:00Z');
  const fleet = new StaticFleet();
  fleet.nodeList = ['gpu-0', 'gpu-1', 'gpu-2', 'gpu-3'].map((name) => node(name, { cordoned: true }));
  fleet.podList = ['llm-0', 'llm-1', 'llm-2'].map((name) =>
    pendingPod(name, { message: CORDON_MESSAGE, since: '2026-03-02T11:00:00Z', gpus: 8, owner: { kind: 'JobSet', name: 'llm' } }),
  );
  standIn = await startSlackStandIn({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    channels: [{ id: CHANNEL, name: 'gpu-east' }],
    users: [
      { id: 'W0ANA', name: 'ana' },
      { id: 'U0BOB', name: 'bob' },
    ],
    userGroups: [{ id: ML_GROUP, handle: 'ml-oncall' }],
    postsPerSecondPerChannel: 100,
    postBurst: 100,
  });
  dispatcher = new Dispatcher({
    db,
    client: createDispatchClient({ botToken: BOT_TOKEN, slackApiUrl: standIn.url, timeoutMs: 3000, log: silentLogger }),
    clock,
    log: silentLogger,
    minIntervalMsPerChannel: 5,
    retryBaseMs: 20,
    maxRetryDelayMs: 200,
  });
  ctx = {
    config: testConfig(),
    db,
    clock,
    fleet,
    log: silentLogger,
    requestReconcile: () => {
      reconcileAlerts(ctx);
      dispatcher.wake();
    },
  };
  slack = createSlackApp(ctx, { botToken: BOT_TOKEN, appToken: APP_TOKEN, slackApiUrl: standIn.url });
  await slack.start();
  dispatcher.start();
});

afterAll(async () => {
  await slack?.stop();
  await dispatcher?.stop();
  db?.close();
  await standIn?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Socket Mode against the stand-in', () => {
  it('connects with the app token', () => {
    const opens = standIn.calls.filter((call) => call.method === 'apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(standIn.socket.connectionCount).toBe(1);
    expect(standIn.socket.openConnections).toBe(1);
    expect(standIn.socket.controlMessages[0]).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0PITSTOP' } });
    expect(slack.url).toBeUndefined();
  });

  it('returns help in the ack', async () => {
    const ack = await sendSocketSlashCommand(standIn.socket, helpCommand('W0ANA'));
    expect(ack.connection).toBe(1);
    expect(ack.payload?.response_type).toBe('ephemeral');
    expect(ack.payload?.text).toContain(`\`${SLASH_COMMAND} help\`  show this list`);
    expect(ack.payload?.text).toContain(`${SLASH_COMMAND} ack ID`);
    expect(standIn.socket.envelopes.at(-1)).toMatchObject({ type: 'slash_commands', accepts_response_payload: true });
    expect(countCalls('response_url')).toBe(0);
    expect(countCalls('chat.postMessage')).toBe(0);
  });

  it('acknowledges an alert from a click', async () => {
    reconcileAlerts(ctx);
    await settle();
    const alert = mlAlert();
    const message = rootMessage(alert);
    const updates = countCalls('chat.update');
    const ack = await sendSocketBlockAction(standIn.socket, {
      userId: 'W0ANA',
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: message.ts,
      actionId: ALERT_ACTION_IDS.acknowledge,
      blockId: actionsBlockId(message),
      value: formatAlertId(alert.id),
      message: { text: message.text, blocks: message.blocks, user: standIn.identity.botUserId },
    });
    expect(ack.payload).toEqual({});
    const timeline = () => readTimeline(db, 'alert', formatAlertId(alert.id));
    await eventually(() => timeline().some((entry) => entry.action === 'acknowledged'), 'the acknowledgement');
    await settle();
    expect(timeline().filter((entry) => entry.action === 'acknowledged')).toEqual([
      { at: '2026-03-02T12:00:00.000Z', actor: 'W0ANA', action: 'acknowledged', detail: null },
    ]);
    expect(countCalls('chat.update')).toBe(updates + 1);
    const updated = rootMessage(alert);
    expect(JSON.stringify(updated.blocks)).toContain('Acknowledged by <@W0ANA> at <!date^');
    expect(JSON.stringify(updated.blocks)).not.toContain(`"action_id":"${ALERT_ACTION_IDS.acknowledge}"`);
    expect(standIn.thread(CHANNEL, updated.ts).map((reply) => reply.text)).toEqual([
      'Acknowledged by <@W0ANA> at <!date^1772452800^{date_short_pretty} {time}|2026-03-02T12:00:00Z>.',
    ]);
  });

  it('handles a retried envelope once', async () => {
    const alert = mlAlert();
    const message = rootMessage(alert);
    const payload = blockActionPayload({
      userId: 'U0BOB',
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: message.ts,
      actionId: ALERT_ACTION_IDS.escalate,
      blockId: actionsBlockId(message),
      value: `${formatAlertId(alert.id)}:1`,
      message: { text: message.text, blocks: message.blocks, user: standIn.identity.botUserId },
    });
    const escalations = () => readTimeline(db, 'alert', formatAlertId(alert.id)).filter((entry) => entry.action === 'escalated');
    expect((await standIn.socket.sendEnvelope('interactive', payload)).payload).toEqual({});
    await eventually(() => escalations().length === 1, 'the escalation');
    await settle();
    const updates = countCalls('chat.update');
    const retried = await standIn.socket.sendEnvelope('interactive', payload, { retryAttempt: 1, retryReason: 'timeout' });
    expect(retried.payload).toEqual({});
    expect(standIn.socket.envelopes.at(-1)).toMatchObject({ retry_attempt: 1, retry_reason: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await settle();
    expect(escalations()).toHaveLength(1);
    expect(mlAlert().escalationLevel).toBe(1);
    expect(countCalls('chat.update')).toBe(updates);
    const mentions = standIn.thread(CHANNEL, message.ts).filter((reply) => reply.text.includes(`<!subteam^${ML_GROUP}>`));
    expect(mentions).toHaveLength(1);
    expect(standIn.ephemerals(CHANNEL, 'U0BOB')).toEqual([]);
  });

  it('runs a retried command once', async () => {
    const command = helpCommand('U0BOB');
    const first = await sendSocketSlashCommand(standIn.socket, command);
    expect(first.payload?.text).toContain(`\`${SLASH_COMMAND} help\``);
    const retried = await sendSocketSlashCommand(standIn.socket, command, { retryAttempt: 1 });
    expect(retried.payload).toEqual({ response_type: 'ephemeral', text: 'This request was already handled.' });
  });

  it('reconnects after refresh_requested', async () => {
    const opens = countCalls('apps.connections.open');
    standIn.socket.disconnect('refresh_requested');
    // @slack/socket-mode 2.0 waits its client ping timeout (5 s by default) before it reconnects.
    await standIn.socket.waitForConnections(2, 8000);
    expect(countCalls('apps.connections.open')).toBe(opens + 1);
    expect(standIn.socket.openConnections).toBe(1);
    expect(standIn.socket.controlMessages.map((message) => message.type)).toEqual(['hello', 'disconnect', 'hello']);
    const ack = await sendSocketSlashCommand(standIn.socket, helpCommand('W0ANA'));
    expect(ack.connection).toBe(2);
    expect(ack.payload?.text).toContain(`\`${SLASH_COMMAND} help\`  show this list`);
  }, 10_000);

  it('rejects a wrong app token at start', async () => {
    const wrong = createSlackApp(ctx, { botToken: BOT_TOKEN, appToken: 'xapp-1-A0PITSTOP-wrong', slackApiUrl: standIn.url });
    await expect(wrong.start()).rejects.toThrow(
      'Socket Mode could not connect: apps.connections.open failed with invalid_auth. Check SLACK_APP_TOKEN: it must be an app-level token (xapp-…) with the connections:write scope',
    );
    await wrong.stop();
    expect(standIn.socket.openConnections).toBe(1);
  });

  it('rejects a bot token as the app token', () => {
    expect(() => createSlackApp(ctx, { botToken: BOT_TOKEN, appToken: BOT_TOKEN, slackApiUrl: standIn.url })).toThrow(
      'the Slack app token "xoxb-…" is not an app-level token: set SLACK_APP_TOKEN to the xapp-… token from the app\'s Basic Information page',
    );
  });
});

describe('apps.connections.open', () => {
  it('rejects tokens other than the app token', async () => {
    const call = (token: string) => new WebClient(token, { slackApiUrl: standIn.url, retryConfig: { retries: 0 } }).apps.connections.open();
    await expect(call(BOT_TOKEN)).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
    await expect(call('xapp-1-A0PITSTOP-wrong')).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    const opened = await call(APP_TOKEN);
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]{32}&app_id=A0PITSTOP$/);
  });

  it('keeps the app token off bot methods', async () => {
    const client = new WebClient(APP_TOKEN, { slackApiUrl: standIn.url, retryConfig: { retries: 0 } });
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'hi' })).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
  });

  it('rejects a reused ticket', async () => {
    const { url } = await new WebClient(APP_TOKEN, { slackApiUrl: standIn.url }).apps.connections.open();
    const first = new WebSocket(url!);
    await new Promise((resolve) => first.once('message', resolve));
    first.close();
    const second = new WebSocket(url!);
    const status = await new Promise<number>((resolve) => {
      // ws leaves the refused request to the listener, which must abort it.
      second.on('unexpected-response', (request, response) => {
        request.destroy();
        resolve(response.statusCode ?? 0);
      });
    });
    expect(status).toBe(401);
  });

  it('times out an envelope nobody acks', async () => {
    const { url } = await new WebClient(APP_TOKEN, { slackApiUrl: standIn.url }).apps.connections.open();
    const silent = new WebSocket(url!);
    await new Promise((resolve) => silent.once('message', resolve));
    const started = performance.now();
    await expect(standIn.socket.sendEnvelope('interactive', { type: 'block_actions' }, { ackTimeoutMs: 300 })).rejects.toThrow(
      /timed out after 300 ms waiting for the ack of interactive envelope/,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    silent.close();
  });
});
