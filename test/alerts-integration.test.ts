import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { formatAlertId, listOpenAlerts, type Alert } from '../src/alerts/store.js';
import { ManualClock } from '../src/clock.js';
import type { PitstopContext } from '../src/context.js';
import { SLASH_COMMAND } from '../src/handlers/commands.js';
import { escalateOverdueAlerts } from '../src/jobs/escalation.js';
import { createFleetWatch, type FleetWatch } from '../src/k8s/watch.js';
import { silentLogger } from '../src/log.js';
import { createSlackApp, type SlackApp } from '../src/slack/app.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher } from '../src/slack/dispatcher.js';
import { ALERT_ACTION_IDS } from '../src/slack/messages/alert.js';
import { startKubeStandIn, type KubeObject, type KubeStandIn } from '../src/standins/kube-api.js';
import { startSlackStandIn, type SlackStandIn, type StandInMessage } from '../src/standins/slack-api.js';
import { sendBlockAction, sendSignedForm, sendSlashCommand } from '../src/standins/slack-interactions.js';
import { openStore, type Db } from '../src/store/db.js';
import { readTimeline } from '../src/store/outbox.js';
import { CHANNEL, CLUSTER, ML_GROUP, testConfig } from './alert-fixtures.js';

const TOKEN = 'xoxb-alerts-integration';
const SECRET = 'alerts-integration-secret';
const TEAM = 'T0STANDIN';
const INFRA_GROUP = 'S0INFRA';
const CORDON_MESSAGE = '0/40 nodes are available: 24 node(s) were unschedulable, 16 Insufficient nvidia.com/gpu.';
const TAINT_MESSAGE = '0/16 nodes are available: 16 node(s) had untolerated taint {example.com/reserved: infra}.';
const SINCE = '2026-03-02T11:00:00Z';

function kubeNode(name: string, options: { cordoned?: boolean; taint?: boolean }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      ...(options.cordoned ? { unschedulable: true } : {}),
      ...(options.taint ? { taints: [{ key: 'example.com/reserved', value: 'infra', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      capacity: { cpu: '96', 'nvidia.com/gpu': '8' },
      allocatable: { cpu: '95', 'nvidia.com/gpu': '8' },
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:05:00Z' }],
    },
  };
}

function kubePod(namespace: string, name: string, message: string, owner: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      creationTimestamp: SINCE,
      ownerReferences: [{ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', name: owner, uid: `uid-${owner}`, controller: true }],
    },
    spec: { containers: [{ name: 'main', image: 'trainer', resources: { requests: { 'nvidia.com/gpu': '8' } } }] },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: SINCE }],
    },
  };
}

/** The processes' objects: a restart replaces all of them and keeps the SQLite file and the stand-ins. */
interface Process {
  ctx: PitstopContext;
  db: Db;
  dispatcher: Dispatcher;
  slack: SlackApp;
  url: string;
}

let dir: string;
let kube: KubeStandIn;
let standIn: SlackStandIn;
let watch: FleetWatch;
let clock: ManualClock;
let current: Process;

async function startProcess(): Promise<Process> {
  const db = openStore(join(dir, 'pitstop.db'));
  const dispatcher = new Dispatcher({
    db,
    client: createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, timeoutMs: 3000, log: silentLogger }),
    clock,
    log: silentLogger,
    minIntervalMsPerChannel: 5,
    retryBaseMs: 20,
    maxRetryDelayMs: 200,
  });
  const ctx: PitstopContext = {
    config: testConfig(),
    db,
    clock,
    fleet: watch,
    log: silentLogger,
    requestReconcile: () => {
      reconcileAlerts(ctx);
      dispatcher.wake();
    },
  };
  const slack = createSlackApp(ctx, { botToken: TOKEN, signingSecret: SECRET, slackApiUrl: standIn.url, port: 0, host: '127.0.0.1' });
  await slack.start();
  dispatcher.start();
  return { ctx, db, dispatcher, slack, url: slack.url! };
}

async function stopProcess(process: Process): Promise<void> {
  await process.slack.stop();
  await process.dispatcher.stop();
  process.db.close();
}

async function settle(): Promise<void> {
  current.dispatcher.wake();
  await current.dispatcher.drain();
}

/** Waits until the condition holds, because action handlers run after Bolt has sent the HTTP response. */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function alertByTeam(team: string): Alert {
  const alert = listOpenAlerts(current.db).find((entry) => entry.team === team);
  if (!alert) throw new Error(`no open alert for team ${team}`);
  return alert;
}

function rootMessage(alert: Alert): StandInMessage {
  const message = standIn.messages(CHANNEL).find((entry) => entry.text.startsWith(`${formatAlertId(alert.id)}:`) || entry.text.startsWith(`Resolved: ${formatAlertId(alert.id)}:`));
  if (!message) throw new Error(`no message for ${formatAlertId(alert.id)}`);
  return message;
}

function actionsBlockId(message: StandInMessage): string {
  const block = (message.blocks as { type: string; block_id?: string }[]).find((entry) => entry.type === 'actions');
  return block?.block_id ?? '';
}

function countCalls(method: string): number {
  return standIn.calls.filter((call) => call.method === method).length;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-alerts-integration-'));
  clock = new ManualClock('2026-03-02T12:00:00Z');
  kube = await startKubeStandIn();
  for (let index = 0; index < 24; index += 1) kube.apply(kubeNode(`gpu-${index}`, { cordoned: true }));
  for (let index = 24; index < 40; index += 1) kube.apply(kubeNode(`gpu-${index}`, { taint: true }));
  for (let index = 0; index < 31; index += 1) kube.apply(kubePod('ml-train', `llm-${index}`, CORDON_MESSAGE, 'llm'));
  for (let index = 0; index < 4; index += 1) kube.apply(kubePod('infra', `probe-${index}`, TAINT_MESSAGE, 'probe'));
  standIn = await startSlackStandIn({
    botToken: TOKEN,
    channels: [{ id: CHANNEL, name: 'gpu-east' }],
    users: [
      { id: 'W0ANA', name: 'ana' },
      { id: 'U0BOB', name: 'bob' },
    ],
    userGroups: [
      { id: ML_GROUP, handle: 'ml-oncall' },
      { id: INFRA_GROUP, handle: 'infra-oncall' },
    ],
    postsPerSecondPerChannel: 100,
    postBurst: 100,
  });
  watch = createFleetWatch({ clusters: [{ name: CLUSTER, kubeConfig: kube.kubeConfig('gpu-east') }], gpuOperatorNamespace: 'gpu-operator', log: silentLogger });
  await watch.start();
  current = await startProcess();
});

afterAll(async () => {
  await stopProcess(current);
  await watch.stop();
  await standIn.close();
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pending-pod alerts end to end', () => {
  it('posts one alert per group', async () => {
    reconcileAlerts(current.ctx);
    await settle();
    const messages = standIn.messages(CHANNEL);
    expect(messages).toHaveLength(2);
    const ml = rootMessage(alertByTeam('ml'));
    expect(ml.text).toBe(`${formatAlertId(alertByTeam('ml').id)}: 31 pods pending on ${CLUSTER} (team ml): 24 nodes cordoned`);
    expect(JSON.stringify(ml.blocks)).toContain(ALERT_ACTION_IDS.acknowledge);
    const infra = rootMessage(alertByTeam('infra'));
    expect(infra.text).toContain('4 pods pending on gpu-east (team infra): 16 nodes carry taint example.com/reserved');
  });

  it('shows a signed Acknowledge click on the message', async () => {
    const alert = alertByTeam('ml');
    const message = rootMessage(alert);
    const response = await sendBlockAction(current.url, SECRET, {
      userId: 'W0ANA',
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: message.ts,
      actionId: ALERT_ACTION_IDS.acknowledge,
      blockId: actionsBlockId(message),
      value: formatAlertId(alert.id),
      message: { text: message.text, blocks: message.blocks, user: standIn.identity.botUserId },
    });
    expect(response.status).toBe(200);
    const timeline = () => readTimeline(current.db, 'alert', formatAlertId(alert.id));
    await eventually(() => timeline().some((entry) => entry.action === 'acknowledged'), 'the acknowledgement');
    await settle();
    const acknowledged = timeline().filter((entry) => entry.action === 'acknowledged');
    expect(acknowledged).toEqual([{ at: '2026-03-02T12:00:00.000Z', actor: 'W0ANA', action: 'acknowledged', detail: null }]);
    const updated = rootMessage(alert);
    expect(JSON.stringify(updated.blocks)).toContain('Acknowledged by <@W0ANA> at <!date^');
    expect(JSON.stringify(updated.blocks)).not.toContain(`"action_id":"${ALERT_ACTION_IDS.acknowledge}"`);
    expect(standIn.thread(CHANNEL, updated.ts).map((reply) => reply.text)).toEqual([
      'Acknowledged by <@W0ANA> at <!date^1772452800^{date_short_pretty} {time}|2026-03-02T12:00:00Z>.',
    ]);
  });

  it('answers a double click without changing anything', async () => {
    const alert = alertByTeam('ml');
    const message = rootMessage(alert);
    const updates = countCalls('chat.update');
    const response = await sendBlockAction(current.url, SECRET, {
      userId: 'U0BOB',
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: message.ts,
      actionId: ALERT_ACTION_IDS.acknowledge,
      blockId: 'alert-actions:open:0',
      value: formatAlertId(alert.id),
      isEphemeral: true,
    });
    expect(response.status).toBe(200);
    await eventually(() => standIn.ephemerals(CHANNEL, 'U0BOB').length === 1, 'the ephemeral answer');
    await settle();
    expect(standIn.ephemerals(CHANNEL, 'U0BOB')[0]!.text).toMatch(/^AL-\d+ was already acknowledged by <@W0ANA> at /);
    expect(countCalls('chat.update')).toBe(updates);
    expect(readTimeline(current.db, 'alert', formatAlertId(alert.id)).filter((entry) => entry.action === 'acknowledged')).toHaveLength(1);
  });

  it('handles a retried delivery once', async () => {
    const alert = alertByTeam('ml');
    const message = rootMessage(alert);
    const payload = {
      type: 'block_actions',
      user: { id: 'W0ANA', username: 'ana', team_id: TEAM },
      api_app_id: 'A0PITSTOP',
      token: 'unused-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
      trigger_id: '1.2.retry',
      team: { id: TEAM, domain: 'pitstop', enterprise_id: 'E0GRID', enterprise_name: 'Grid' },
      channel: { id: CHANNEL, name: 'gpu-east' },
      message: { type: 'message', ts: message.ts, text: message.text, bot_id: standIn.identity.botId },
      response_url: standIn.issueResponseUrl({ channel: CHANNEL, user: 'W0ANA', messageTs: message.ts }),
      actions: [
        {
          type: 'button',
          action_id: ALERT_ACTION_IDS.escalate,
          block_id: actionsBlockId(message),
          text: { type: 'plain_text', text: 'Escalate to level 1' },
          value: `${formatAlertId(alert.id)}:1`,
          action_ts: '1772452800.000100',
        },
      ],
    };
    const form = { payload: JSON.stringify(payload) };
    expect((await sendSignedForm(current.url, SECRET, form)).status).toBe(200);
    const escalations = () => readTimeline(current.db, 'alert', formatAlertId(alert.id)).filter((entry) => entry.action === 'escalated');
    await eventually(() => escalations().length === 1, 'the escalation');
    expect((await sendSignedForm(current.url, SECRET, form, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await settle();
    expect(escalations()).toHaveLength(1);
    expect(alertByTeam('ml').escalationLevel).toBe(1);
    const replies = standIn.thread(CHANNEL, message.ts).map((reply) => reply.text);
    expect(replies.filter((text) => text.includes(`<!subteam^${ML_GROUP}>`))).toHaveLength(1);
    expect(standIn.ephemerals(CHANNEL, 'W0ANA')).toEqual([]);
  });

  it('snoozes from the menu', async () => {
    const alert = alertByTeam('ml');
    const message = rootMessage(alert);
    const response = await sendBlockAction(current.url, SECRET, {
      userId: 'U0BOB',
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: message.ts,
      actionId: ALERT_ACTION_IDS.snooze,
      blockId: actionsBlockId(message),
      actionType: 'static_select',
      selectedOption: { text: 'Snooze 4h', value: `${formatAlertId(alert.id)}:4h` },
      message: { text: message.text, blocks: message.blocks },
    });
    expect(response.status).toBe(200);
    await eventually(() => alertByTeam('ml').state === 'snoozed', 'the snooze');
    await settle();
    expect(alertByTeam('ml').snoozedUntil).toBe('2026-03-02T16:00:00.000Z');
    expect(JSON.stringify(rootMessage(alert).blocks)).toContain('Snoozed by <@U0BOB> until <!date^');
    expect(standIn.thread(CHANNEL, message.ts).at(-1)!.text).toMatch(/^Snoozed by <@U0BOB> until /);
  });

  it('posts nothing again after a restart', async () => {
    const posts = countCalls('chat.postMessage');
    const updates = countCalls('chat.update');
    await stopProcess(current);
    current = await startProcess();
    reconcileAlerts(current.ctx);
    await settle();
    expect(countCalls('chat.postMessage')).toBe(posts);
    expect(countCalls('chat.update')).toBe(updates);
    expect(standIn.messages(CHANNEL)).toHaveLength(2);
  });

  it('escalates an unacknowledged alert after the deadline', async () => {
    const infra = alertByTeam('infra');
    clock.advance(29 * 60_000);
    escalateOverdueAlerts(current.ctx);
    await settle();
    expect(alertByTeam('infra').escalationLevel).toBe(0);
    clock.advance(60_000);
    escalateOverdueAlerts(current.ctx);
    await settle();
    expect(alertByTeam('infra').escalationLevel).toBe(1);
    const replies = standIn.thread(CHANNEL, rootMessage(infra).ts).map((reply) => reply.text);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(`<!subteam^${INFRA_GROUP}> ${formatAlertId(infra.id)} escalated to level 1 by *pitstop*. Nobody acknowledged it within 30m.`);
    expect(alertByTeam('ml').escalationLevel).toBe(1);
  });

  it('resolves when the pods get scheduled', async () => {
    const infra = alertByTeam('infra');
    for (let index = 0; index < 4; index += 1) kube.delete('Pod', 'infra', `probe-${index}`);
    await watch.caughtUp(CLUSTER, kube.resourceVersion());
    reconcileAlerts(current.ctx);
    await settle();
    const message = rootMessage(infra);
    expect(message.text.startsWith(`Resolved: ${formatAlertId(infra.id)}:`)).toBe(true);
    expect(JSON.stringify(message.blocks)).not.toContain('"type":"actions"');
  });

  it('returns usage for a malformed slash command', async () => {
    const response = await sendSlashCommand(current.url, SECRET, {
      command: SLASH_COMMAND,
      text: 'escalate',
      userId: 'W0ANA',
      channelId: CHANNEL,
      teamId: TEAM,
      triggerId: standIn.issueTriggerId({ user: 'W0ANA' }),
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      response_type: 'ephemeral',
      text: 'escalate needs an alert id such as AL-12.\nUsage:\n`/pitstop escalate ID`',
    });
  });
});
