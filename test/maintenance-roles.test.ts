import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { createFleetWriter } from '../src/k8s/watch.js';
import { createMaintenance } from '../src/maintenance/lifecycle.js';
import { USER_GROUP_CACHE_TTL_MS } from '../src/maintenance/roles.js';
import { getMaintenance, listNodes } from '../src/maintenance/store.js';
import { createSlackApp, type SlackApp } from '../src/slack/app.js';
import { startKubeStandIn, type KubeStandIn } from '../src/standins/kube-api.js';
import { startSlackStandIn, type SlackStandIn } from '../src/standins/slack-api.js';
import { sendSlashCommand, sendViewSubmission } from '../src/standins/slack-interactions.js';
import {
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  maintConfig,
  maintContext,
  MAINTAINER,
  nodeObject,
  OWNER,
  removeStore,
  TestFleet,
  type MaintContext,
  type NodeSpec,
} from './maintenance-fixtures.js';

const TOKEN = 'xoxb-maint-roles';
const SECRET = 'maint-roles-secret';
const TEAM = 'T0STANDIN';
const FLEET_OPS = 'S0FLEETOPS';
const MISSING_GROUP = 'S0GONE';
const MEMBER = 'U0MEMBER';
const OUTSIDER = 'U0OUTSIDE';
const T0 = '2026-03-01T00:00:00Z';
const START = at(T0, hours(1));
const BACK = at(START, hours(1));
const NOW = at(START, hours(2));

interface LogLine {
  level: number;
  msg: string;
  userGroup?: string;
  slackError?: string;
}

let kube: KubeStandIn;
let slack: SlackStandIn;
let app: SlackApp;
let ctx: MaintContext;
const lines: LogLine[] = [];

function roleConfig(group: string) {
  return maintConfig({
    clusters: [{ name: EAST, vendor: 'coreweave', context: EAST, channel: EAST_CHANNEL }],
    maintenance: { allowClusterWrites: true },
    roles: { maintainers: [group], remediators: [group] },
  });
}

function place(name: string, spec: NodeSpec): void {
  kube.apply(nodeObject(EAST, name, spec));
  ctx.fleet.setNode(EAST, name, spec);
}

/** Runs `/pitstop <text>` as `user` and returns the reply Bolt put in the acknowledgement. */
async function command(text: string, user: string): Promise<string> {
  const response = await sendSlashCommand(app.url!, SECRET, {
    command: '/pitstop',
    text,
    userId: user,
    channelId: EAST_CHANNEL,
    teamId: TEAM,
    triggerId: slack.issueTriggerId({ user }),
  });
  expect(response.status).toBe(200);
  return (response.json as { text: string }).text;
}

function cordoned(name: string): boolean {
  return (kube.get('Node', null, name)?.spec as { unschedulable?: boolean } | undefined)?.unschedulable === true;
}

async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  kube = await startKubeStandIn();
  slack = await startSlackStandIn({
    botToken: TOKEN,
    channels: [{ id: EAST_CHANNEL, name: 'gpu-east' }],
    users: [MEMBER, OUTSIDER, MAINTAINER, OWNER].map((id) => ({ id, name: id.toLowerCase() })),
    userGroups: [{ id: FLEET_OPS, handle: 'fleet-ops', users: [MEMBER] }],
    scopes: ['chat:write', 'commands', 'usergroups:read'],
  });
  ctx = maintContext({
    fleet: new TestFleet(),
    config: roleConfig(FLEET_OPS),
    start: T0,
    writer: createFleetWriter([{ name: EAST, kubeConfig: kube.kubeConfig(EAST) }]),
  });
  ctx.log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  for (const name of ['r-1', 'r-2']) place(name, { at: T0, rack: 'r1' });
  createMaintenance(
    ctx,
    {
      title: 'NIC firmware',
      kind: 'firmware',
      vendor: 'coreweave',
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { all: true } }],
      start: START,
      end: at(START, hours(4)),
    },
    { source: 'config', actor: MAINTAINER },
  );
  await reconcileMaintenances(ctx);
  app = createSlackApp(ctx, { botToken: TOKEN, signingSecret: SECRET, slackApiUrl: slack.url, port: 0, host: '127.0.0.1' });
  await app.start();
});

afterAll(async () => {
  await app.stop();
  await slack.close();
  await kube.close();
  removeStore(ctx);
});

describe('user group roles through Slack', () => {
  it('rejects a user outside the group', async () => {
    expect(await command('maint start MX-1', OUTSIDER)).toBe(
      `Only roles.maintainers may create, start, complete and cancel maintenances, and <@${OUTSIDER}> is not in it: ask an admin to add your user id or one of your user groups to roles.maintainers.`,
    );
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('announced');
    expect(await command('maint uncordon MX-1', OUTSIDER)).toContain(
      'Only roles.remediators may run remediations such as uncordon',
    );
    const lookups = slack.calls.filter((call) => call.method === 'usergroups.users.list');
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups[0]!.arguments).toMatchObject({ usergroup: FLEET_OPS });
  });

  it('lets a group member start a maintenance', async () => {
    expect(await command('maint start MX-1', MEMBER)).toBe('MX-1 is now in progress.');
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('in_progress');
  });

  it('lets a group member uncordon', async () => {
    for (const name of ['r-1', 'r-2'])
      place(name, { at: NOW, rack: 'r1', cordoned: true, bootId: `boot-${name}-2`, readySince: BACK });
    ctx.clock.set(NOW);
    await reconcileMaintenances(ctx);
    const opens = slack.calls.filter((call) => call.method === 'views.open').length;
    await command('maint uncordon MX-1', MEMBER);
    await eventually(() => slack.calls.filter((call) => call.method === 'views.open').length > opens, 'the form');
    const view = slack.calls.filter((call) => call.method === 'views.open').at(-1)!.arguments.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(view.callback_id).toBe('maintenance_uncordon_modal');
    const response = await sendViewSubmission(app.url!, SECRET, {
      userId: MEMBER,
      teamId: TEAM,
      viewId: 'V0UNCORDON',
      callbackId: 'maintenance_uncordon_modal',
      values: {},
      privateMetadata: view.private_metadata,
    });
    expect(response.status).toBe(200);
    await eventually(() => !cordoned('r-1') && !cordoned('r-2'), 'the uncordon');
    expect(listNodes(ctx.db, 'MX-1').map((node) => node.uncordonedBy)).toEqual([MEMBER, MEMBER]);
  });

  it('lets a group member complete a maintenance', async () => {
    expect(await command('maint complete MX-1', OUTSIDER)).toContain('Only roles.maintainers');
    expect(await command('maint complete MX-1', MEMBER)).toBe('MX-1 is now completed.');
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('completed');
  });

  it('reuses a member list only within the TTL', async () => {
    const lookups = () => slack.calls.filter((call) => call.method === 'usergroups.users.list').length;
    ctx.clock.set(at(NOW, hours(1)));
    const before = lookups();
    expect(await command('maint uncordon MX-1', MEMBER)).toBe('Opened the uncordon confirmation.');
    expect(await command('maint uncordon MX-1', MEMBER)).toBe('Opened the uncordon confirmation.');
    expect(lookups()).toBe(before + 1);
    ctx.clock.set(at(NOW, hours(1) + USER_GROUP_CACHE_TTL_MS));
    await command('maint uncordon MX-1', MEMBER);
    expect(lookups()).toBe(before + 2);
  });

  it('never caches a failed lookup', async () => {
    ctx.clock.set(at(NOW, hours(2)));
    slack.failNext('usergroups.users.list', { error: 'internal_error' });
    expect(await command('maint uncordon MX-1', MEMBER)).toContain(
      `Pitstop could not read user group ${FLEET_OPS} (internal_error) from Slack`,
    );
    expect(await command('maint uncordon MX-1', MEMBER)).toBe('Opened the uncordon confirmation.');
  });

  it('rejects and logs when the group lookup fails', async () => {
    ctx.config = roleConfig(MISSING_GROUP);
    const reply = await command('maint cancel MX-1', MEMBER);
    expect(reply).toContain(`Pitstop could not read user group ${MISSING_GROUP} (no_such_subteam) from Slack`);
    expect(reply).toContain('check that the group id in roles.maintainers exists');
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('completed');
    const logged = lines.findLast((line) => line.msg === 'reading a user group for a role check failed');
    expect(logged?.level).toBe(50);
    expect(logged?.userGroup).toBe(MISSING_GROUP);
    expect(logged?.slackError).toBe('no_such_subteam');
  });
});

describe('usergroups.users.list in the stand-in', () => {
  it('returns members of a group', async () => {
    const client = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const result = await client.usergroups.users.list({ usergroup: FLEET_OPS, include_disabled: true });
    expect(result.ok).toBe(true);
    expect(result.users).toEqual([MEMBER]);
  });

  it('rejects an unknown group and a bad token', async () => {
    const client = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(client.usergroups.users.list({ usergroup: MISSING_GROUP })).rejects.toMatchObject({
      data: { ok: false, error: 'no_such_subteam' },
    });
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await expect(wrong.usergroups.users.list({ usergroup: FLEET_OPS })).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });

  it('requires the usergroups:read scope', async () => {
    const narrow = await startSlackStandIn({
      botToken: TOKEN,
      channels: [],
      userGroups: [{ id: FLEET_OPS, handle: 'fleet-ops', users: [MEMBER] }],
      scopes: ['chat:write'],
    });
    try {
      const client = new WebClient(TOKEN, { slackApiUrl: narrow.url, retryConfig: { retries: 0 } });
      await expect(client.usergroups.users.list({ usergroup: FLEET_OPS })).rejects.toMatchObject({
        data: { error: 'missing_scope', needed: 'usergroups:read', provided: 'chat:write' },
      });
    } finally {
      await narrow.close();
    }
  });
});
