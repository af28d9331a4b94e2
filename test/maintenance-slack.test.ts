import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { PitstopConfig } from '../src/config/schema.js';
import type { PitstopContext } from '../src/context.js';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { createFleetWatch, createFleetWriter, type FleetWatch } from '../src/k8s/watch.js';
import { silentLogger } from '../src/log.js';
import { getMaintenance, getOverdue, listNodes } from '../src/maintenance/store.js';
import { createSlackApp, type SlackApp } from '../src/slack/app.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher } from '../src/slack/dispatcher.js';
import { startKubeStandIn, type KubeStandIn } from '../src/standins/kube-api.js';
import { startSlackStandIn, type SlackStandIn, type StandInMessage } from '../src/standins/slack-api.js';
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from '../src/standins/slack-interactions.js';
import { openStore, type Db } from '../src/store/db.js';
import { readTimeline } from '../src/store/outbox.js';
import {
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  maintConfig,
  MAINTAINER,
  nodeObject,
  OWNER,
  pendingPodObject,
  REMEDIATOR,
  type NodeSpec,
} from './maintenance-fixtures.js';

const TOKEN = 'xoxb-maint-slack';
const SECRET = 'maint-slack-secret';
const TEAM = 'T0STANDIN';
const OTHER = 'U0OTHER';
const T0 = '2026-03-01T00:00:00Z';
const CORDONED =
  '0/4 nodes are available: 3 node(s) were unschedulable, 1 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.';
const HOLD = { 'k8saas.nvidia.com/cordon-by': 'NVSentinel', 'k8saas.nvidia.com/cordon-reason': 'GpuXidError' };

function singleClusterConfig(allowClusterWrites: boolean): PitstopConfig {
  return maintConfig({
    clusters: [{ name: EAST, vendor: 'coreweave', context: EAST, channel: EAST_CHANNEL }],
    maintenance: { announceBefore: ['24h', '1h'], allowClusterWrites },
  });
}

let dir: string;
let kube: KubeStandIn;
let slack: SlackStandIn;
let watch: FleetWatch;
let db: Db;
let dispatcher: Dispatcher;
let app: SlackApp;
let ctx: PitstopContext;
const clock = new ManualClock(T0);

async function applyNode(name: string, spec: NodeSpec): Promise<void> {
  await watch.caughtUp(EAST, kube.apply(nodeObject(EAST, name, spec)));
}

async function settle(): Promise<void> {
  dispatcher.wake();
  await dispatcher.drain();
}

async function reconcileAt(time: string): Promise<void> {
  clock.set(time);
  await reconcileMaintenances(ctx);
  await settle();
}

/** Waits until the condition holds; Bolt runs listeners after it has answered the HTTP request. */
async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function thread(): StandInMessage[] {
  const root = slack.messages(EAST_CHANNEL).find((message) => message.text.startsWith('MX-1 '));
  if (!root) throw new Error('no thread root for MX-1');
  return slack.thread(EAST_CHANNEL, root.ts);
}

function recoveryMessage(): StandInMessage {
  const message = thread().find((entry) => entry.text.startsWith('MX-1 recovery:'));
  if (!message) throw new Error('no recovery message');
  return message;
}

function lastOpenedView(): Record<string, unknown> {
  const call = slack.calls.filter((entry) => entry.method === 'views.open').at(-1);
  if (!call) throw new Error('no views.open call');
  return call.arguments.view as Record<string, unknown>;
}

function click(actionId: string, value: string, user: string, option?: string) {
  const message = recoveryMessage();
  return sendBlockAction(app.url!, SECRET, {
    userId: user,
    teamId: TEAM,
    channelId: EAST_CHANNEL,
    messageTs: message.ts,
    actionId,
    blockId: 'recovery_actions',
    ...(option === undefined ? { value } : { actionType: 'static_select', selectedOption: { text: option, value } }),
    message: { text: message.text, blocks: message.blocks as unknown[], threadTs: message.threadTs ?? undefined },
    triggerId: slack.issueTriggerId({ user }),
  });
}

function epoch(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

function createValues(start: string, end: string): Record<string, Record<string, unknown>> {
  return {
    maintenance_title: { value: { type: 'plain_text_input', value: 'NIC firmware 28.43' } },
    maintenance_kind: { value: { type: 'static_select', selected_option: { value: 'firmware' } } },
    maintenance_vendor: { value: { type: 'static_select', selected_option: { value: 'coreweave' } } },
    maintenance_owner: { value: { type: 'users_select', selected_user: OWNER } },
    maintenance_clusters: { value: { type: 'multi_static_select', selected_options: [{ value: EAST }] } },
    maintenance_scope_type: { value: { type: 'static_select', selected_option: { value: 'racks' } } },
    maintenance_scope_value: { value: { type: 'plain_text_input', value: 'r1, r2' } },
    maintenance_start: { value: { type: 'datetimepicker', selected_date_time: epoch(start) } },
    maintenance_end: { value: { type: 'datetimepicker', selected_date_time: epoch(end) } },
  };
}

function submitCreate(user: string, values: Record<string, Record<string, unknown>>) {
  return sendViewSubmission(app.url!, SECRET, {
    userId: user,
    teamId: TEAM,
    viewId: 'V0CREATE',
    callbackId: 'maintenance_create_modal',
    values,
    privateMetadata: JSON.stringify({ channel: EAST_CHANNEL }),
  });
}

const START = at(T0, hours(2));
const END = at(T0, hours(6));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-maint-slack-'));
  kube = await startKubeStandIn();
  for (const [name, rack] of [
    ['k-1', 'r1'],
    ['k-2', 'r1'],
    ['k-3', 'r2'],
  ] as const)
    kube.apply(nodeObject(EAST, name, { at: T0, rack }));
  kube.apply(nodeObject(EAST, 'k-4', { at: T0, rack: 'r2', cordoned: true, labels: HOLD }));
  kube.apply(pendingPodObject('ml-train', 'trainer-0', CORDONED, at(START, 10 * 60_000)));
  kube.apply(pendingPodObject('ml-train', 'trainer-1', CORDONED, at(START, 11 * 60_000)));
  slack = await startSlackStandIn({
    botToken: TOKEN,
    channels: [{ id: EAST_CHANNEL, name: 'gpu-east' }],
    users: [MAINTAINER, REMEDIATOR, OTHER, OWNER].map((id) => ({ id, name: id.toLowerCase() })),
    postsPerSecondPerChannel: 100,
    postBurst: 100,
  });
  const clusters = [{ name: EAST, kubeConfig: kube.kubeConfig(EAST) }];
  watch = createFleetWatch({ clusters, gpuOperatorNamespace: 'gpu-operator', log: silentLogger });
  await watch.start();
  db = openStore(join(dir, 'pitstop.db'));
  dispatcher = new Dispatcher({
    db,
    client: createDispatchClient({ botToken: TOKEN, slackApiUrl: slack.url, timeoutMs: 3000, log: silentLogger }),
    clock,
    log: silentLogger,
    minIntervalMsPerChannel: 5,
    retryBaseMs: 20,
    maxRetryDelayMs: 200,
  });
  ctx = {
    config: singleClusterConfig(true),
    db,
    clock,
    fleet: watch,
    writer: createFleetWriter(clusters),
    log: silentLogger,
    requestReconcile: () => undefined,
  };
  app = createSlackApp(ctx, {
    botToken: TOKEN,
    signingSecret: SECRET,
    slackApiUrl: slack.url,
    port: 0,
    host: '127.0.0.1',
  });
  await app.start();
  dispatcher.start();
});

afterAll(async () => {
  await app.stop();
  await dispatcher.stop();
  await watch.stop();
  db.close();
  await slack.close();
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('maintenance through Slack and the cluster', () => {
  it('opens the create form from the slash command', async () => {
    const response = await sendSlashCommand(app.url!, SECRET, {
      command: '/pitstop',
      text: 'maint create',
      userId: MAINTAINER,
      channelId: EAST_CHANNEL,
      teamId: TEAM,
      triggerId: slack.issueTriggerId({ user: MAINTAINER }),
    });
    expect(response.status).toBe(200);
    await eventually(() => slack.calls.some((call) => call.method === 'views.open'), 'views.open');
    expect(lastOpenedView().callback_id).toBe('maintenance_create_modal');
  });

  it('shows form errors next to the inputs', async () => {
    const response = await submitCreate(MAINTAINER, createValues(END, START));
    expect(response.json).toEqual({
      response_action: 'errors',
      errors: {
        maintenance_end: `end ${new Date(START).toISOString()} is not after start ${new Date(END).toISOString()}`,
      },
    });
    const values = createValues(START, END);
    values.maintenance_scope_value = { value: { type: 'plain_text_input', value: '' } };
    expect((await submitCreate(MAINTAINER, values)).json).toEqual({
      response_action: 'errors',
      errors: { maintenance_scope_value: 'Enter the racks this maintenance covers.' },
    });
    expect(getMaintenance(db, 'MX-1')).toBeUndefined();
  });

  it('rejects a non-maintainer submission', async () => {
    const response = await submitCreate(OTHER, createValues(START, END));
    expect((response.json as { errors: Record<string, string> }).errors.maintenance_title).toContain(
      'Only roles.maintainers',
    );
    expect(getMaintenance(db, 'MX-1')).toBeUndefined();
  });

  it('creates from the form and confirms', async () => {
    const response = await submitCreate(MAINTAINER, createValues(START, END));
    expect(response.status).toBe(200);
    await eventually(() => getMaintenance(db, 'MX-1') !== undefined, 'the maintenance');
    expect(getMaintenance(db, 'MX-1')).toMatchObject({
      source: 'slack',
      createdBy: MAINTAINER,
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { racks: ['r1', 'r2'] } }],
    });
    await eventually(async () => {
      await settle();
      return slack.ephemerals(EAST_CHANNEL, MAINTAINER).length > 0;
    }, 'the confirmation');
    expect(slack.ephemerals(EAST_CHANNEL, MAINTAINER).at(-1)!.text).toContain(
      `Created *MX-1* NIC firmware 28.43. Pitstop announces it in <#${EAST_CHANNEL}> 24h and 1h before the start`,
    );
  });

  it('announces and starts against the live cluster', async () => {
    await reconcileAt(T0);
    const root = slack.messages(EAST_CHANNEL).find((message) => message.text.startsWith('MX-1 '))!;
    expect(root.text).toContain('4 nodes, 32 GPUs');
    await reconcileAt(START);
    expect(thread().map((message) => message.text.split(':')[0])).toEqual(['MX-1 NIC firmware 28.43', 'MX-1 recovery']);
  });

  it('lists only own-cordon nodes for uncordon', async () => {
    const back = at(START, hours(1));
    const rebooted = (name: string) => ({ at: back, bootId: `boot-${name}-2`, readySince: at(START, 20 * 60_000) });
    await applyNode('k-1', { ...rebooted('k-1'), rack: 'r1', cordoned: true });
    await applyNode('k-2', { ...rebooted('k-2'), rack: 'r1', cordoned: true });
    await applyNode('k-3', { ...rebooted('k-3'), rack: 'r2' });
    await applyNode('k-4', { ...rebooted('k-4'), rack: 'r2', cordoned: true, labels: HOLD });
    await reconcileAt(back);
    expect(JSON.stringify(recoveryMessage().blocks)).toContain('Uncordon validated nodes (2)');
    const opens = slack.calls.filter((call) => call.method === 'views.open').length;
    await click('maintenance_uncordon', 'MX-1', REMEDIATOR);
    await eventually(
      () => slack.calls.filter((call) => call.method === 'views.open').length > opens,
      'the uncordon form',
    );
    const view = lastOpenedView();
    expect(view.callback_id).toBe('maintenance_uncordon_modal');
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Uncordon 2 nodes of MX-1* (16 GPUs)');
    expect(text).toContain('`gpu-east/k-1`, `gpu-east/k-2`');
    expect(text).not.toContain('k-4');
    expect(text).toContain('*2 pending pods* (16 GPUs) will likely schedule onto them');
  });

  it('rejects a non-remediator click', async () => {
    await click('maintenance_uncordon', 'MX-1', OTHER);
    await eventually(async () => {
      await settle();
      return slack.ephemerals(EAST_CHANNEL, OTHER).length > 0;
    }, 'the refusal');
    expect(slack.ephemerals(EAST_CHANNEL, OTHER).at(-1)!.text).toContain(
      'Only roles.remediators may run remediations such as uncordon',
    );
  });

  it('asks again when nodes changed', async () => {
    const view = lastOpenedView();
    const metadata = JSON.parse(view.private_metadata as string) as { fingerprint: string };
    const response = await sendViewSubmission(app.url!, SECRET, {
      userId: REMEDIATOR,
      teamId: TEAM,
      viewId: 'V0UNCORDON',
      callbackId: 'maintenance_uncordon_modal',
      values: {},
      privateMetadata: JSON.stringify({ ...metadata, fingerprint: 'stale' }),
    });
    const body = response.json as { response_action: string; view: { blocks: unknown[] } };
    expect(body.response_action).toBe('update');
    expect(JSON.stringify(body.view.blocks)).toContain('changed since the form opened');
    expect(kube.get('Node', null, 'k-1')?.spec).toMatchObject({ unschedulable: true });
  });

  it('uncordons through the API server', async () => {
    const view = lastOpenedView();
    const response = await sendViewSubmission(app.url!, SECRET, {
      userId: REMEDIATOR,
      teamId: TEAM,
      viewId: 'V0UNCORDON',
      callbackId: 'maintenance_uncordon_modal',
      values: {},
      privateMetadata: view.private_metadata as string,
    });
    expect(response.status).toBe(200);
    const cordoned = (name: string) =>
      (kube.get('Node', null, name)?.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true;
    await eventually(() => !cordoned('k-1') && !cordoned('k-2'), 'the uncordon');
    expect(cordoned('k-4')).toBe(true);
    const patches = kube.requests.filter((request) => request.method === 'PATCH').map((request) => request.path);
    expect(patches).toEqual(['/api/v1/nodes/k-1', '/api/v1/nodes/k-2']);
    await eventually(async () => {
      await settle();
      return thread().some((message) => message.text.includes('uncordoned 2 of MX-1'));
    }, 'the thread record');
    expect(thread().find((message) => message.text.includes('uncordoned 2 of MX-1'))!.text).toContain(
      `<@${REMEDIATOR}> uncordoned 2 of MX-1's validated nodes: \`k-1\`, \`k-2\``,
    );
    const timeline = readTimeline(db, 'maintenance_node', `MX-1/${EAST}/k-1`);
    expect(timeline.at(-1)).toMatchObject({ actor: REMEDIATOR, action: 'uncordoned' });
    expect(listNodes(db, 'MX-1').find((node) => node.node === 'k-1')?.uncordonedBy).toBe(REMEDIATOR);
  });

  it('refuses uncordon when cluster writes are off', async () => {
    const saved = { config: ctx.config, writer: ctx.writer };
    ctx.config = singleClusterConfig(false);
    delete ctx.writer;
    try {
      const before = slack.ephemerals(EAST_CHANNEL, REMEDIATOR).length;
      await click('maintenance_uncordon', 'MX-1', REMEDIATOR);
      await eventually(async () => {
        await settle();
        return slack.ephemerals(EAST_CHANNEL, REMEDIATOR).length > before;
      }, 'the refusal');
      expect(slack.ephemerals(EAST_CHANNEL, REMEDIATOR).at(-1)!.text).toContain('Uncordon is off');
    } finally {
      ctx.config = saved.config;
      ctx.writer = saved.writer;
    }
  });

  it('escalates, acknowledges and snoozes', async () => {
    await reconcileAt(END);
    expect(getOverdue(db, 'MX-1')).toMatchObject({ state: 'open', level: 1 });
    await click('maintenance_escalate', 'MX-1:2', OTHER);
    await eventually(() => getOverdue(db, 'MX-1')?.level === 2, 'the escalation');
    await click('maintenance_acknowledge', 'MX-1', OTHER);
    await eventually(() => getOverdue(db, 'MX-1')?.state === 'acknowledged', 'the acknowledgement');
    await settle();
    expect(JSON.stringify(recoveryMessage().blocks)).toContain(`acknowledged by <@${OTHER}>`);
    const before = slack.ephemerals(EAST_CHANNEL, MAINTAINER).length;
    await click('maintenance_acknowledge', 'MX-1', MAINTAINER);
    await eventually(async () => {
      await settle();
      return slack.ephemerals(EAST_CHANNEL, MAINTAINER).length > before;
    }, 'the repeated click answer');
    expect(slack.ephemerals(EAST_CHANNEL, MAINTAINER).at(-1)!.text).toBe(
      `MX-1 was already acknowledged by <@${OTHER}>.`,
    );
    await click('maintenance_snooze', 'MX-1:4h', OTHER, 'Snooze 4h');
    await eventually(() => getOverdue(db, 'MX-1')?.state === 'snoozed', 'the snooze');
    expect(getOverdue(db, 'MX-1')?.snoozedUntil).toBe(at(END, hours(4)));
    const actions = readTimeline(db, 'maintenance', 'MX-1').map((entry) => `${entry.action}:${entry.actor}`);
    expect(actions).toEqual(
      expect.arrayContaining([`overdue_escalate:${OTHER}`, `overdue_acknowledge:${OTHER}`, `overdue_snooze:${OTHER}`]),
    );
  });
});
