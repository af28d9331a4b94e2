import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { getAlert, listOpenAlerts } from '../src/alerts/store.js';
import { CommandRouter, registerCommandHandlers, SLASH_COMMAND } from '../src/handlers/commands.js';
import type { Subcommand } from '../src/handlers/subcommands.js';
import { allSubcommands } from '../src/handlers/index.js';
import { createSlackApp, SLACK_EVENTS_PATH, toBoltLogger, type SlackApp } from '../src/slack/app.js';
import { startSlackStandIn, type SlackStandIn } from '../src/standins/slack-api.js';
import { sendSignedForm, sendSlashCommand } from '../src/standins/slack-interactions.js';
import { CHANNEL, node, pendingPod, removeStore, StaticFleet, testContext, type TestContext } from './alert-fixtures.js';

const TOKEN = 'xoxb-commands-test';
const SECRET = 'commands-test-secret';
const MESSAGE = '0/3 nodes are available: 2 node(s) were unschedulable, 1 Insufficient nvidia.com/gpu.';

let standIn: SlackStandIn;
let slack: SlackApp;
let ctx: TestContext;
let url: string;

function fleet(): StaticFleet {
  const fleetView = new StaticFleet();
  fleetView.nodeList = [node('gpu-0', { cordoned: true }), node('gpu-1', { cordoned: true }), node('gpu-2')];
  fleetView.podList = [pendingPod('trainer-0', { message: MESSAGE, since: '2026-03-02T11:00:00Z' })];
  return fleetView;
}

beforeAll(async () => {
  standIn = await startSlackStandIn({ botToken: TOKEN, channels: [{ id: CHANNEL, name: 'gpu-east' }] });
  ctx = testContext({ fleet: fleet() });
  slack = createSlackApp(ctx, { botToken: TOKEN, signingSecret: SECRET, slackApiUrl: standIn.url, port: 0, host: '127.0.0.1' });
  await slack.start();
  url = slack.url!;
  reconcileAlerts(ctx);
});

afterAll(async () => {
  await slack.stop();
  await standIn.close();
  ctx.close();
  removeStore(ctx.path);
});

async function command(text: string, options: { triggerId?: string; channelId?: string; userId?: string } = {}) {
  const response = await sendSlashCommand(url, SECRET, {
    command: SLASH_COMMAND,
    text,
    userId: options.userId ?? 'W0ANA',
    channelId: options.channelId ?? CHANNEL,
    teamId: 'T0STANDIN',
    triggerId: options.triggerId ?? standIn.issueTriggerId({ user: options.userId ?? 'W0ANA' }),
  });
  expect(response.status).toBe(200);
  return response.json as { response_type: string; text: string };
}

describe('/pitstop router', () => {
  it('answers malformed commands with their usage', async () => {
    const reply = await command('snooze AL-1');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toBe('snooze takes an alert id and a duration.\nUsage:\n`/pitstop snooze ID DURATION`');
  });

  it('rejects an invalid duration', async () => {
    const reply = await command('snooze AL-1 soon');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('invalid duration "soon"');
    expect(reply.text).toContain('`/pitstop snooze ID DURATION`');
  });

  it('rejects an invalid alert id', async () => {
    const reply = await command('ack MX-12');
    expect(reply.text).toBe('"MX-12" is not an alert id; expected one such as AL-12.\nUsage:\n`/pitstop ack ID`');
  });

  it('lists every subcommand on unknown input', async () => {
    const reply = await command('frobnicate now');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text.startsWith('Unknown subcommand "frobnicate".')).toBe(true);
    for (const subcommand of allSubcommands()) expect(reply.text).toContain(`/pitstop ${subcommand.usage[0]}`);
  });

  it('shows help for an empty command', async () => {
    const reply = await command('');
    expect(reply.text).toContain('`/pitstop help`');
    expect(reply.text).toContain('`/pitstop pending [CLUSTER]`');
  });

  it("lists the channel's pending groups", async () => {
    const id = listOpenAlerts(ctx.db)[0]!.id;
    const reply = await command('pending');
    expect(reply.text).toContain('*gpu-east*: 1 group of pending pods');
    expect(reply.text).toContain(`1 pod, team ml, unschedulable: 2 nodes cordoned (*AL-${id}*, not acknowledged)`);
  });

  it('asks for a cluster outside cluster channels', async () => {
    const reply = await command('pending', { channelId: 'C0ELSEWHERE' });
    expect(reply.text).toContain('this channel belongs to no cluster; name one of: gpu-east');
    const unknown = await command('pending gpu-west');
    expect(unknown.text).toContain('unknown cluster "gpu-west"; known clusters: gpu-east');
  });

  it('acknowledges once and answers the second time', async () => {
    const id = listOpenAlerts(ctx.db)[0]!.id;
    const before = ctx.reconcileRequests;
    const first = await command(`ack AL-${id}`);
    expect(first.text).toBe(`Acknowledged AL-${id}.`);
    expect(getAlert(ctx.db, id)?.acknowledgedBy).toBe('W0ANA');
    expect(ctx.reconcileRequests).toBe(before + 1);
    const second = await command(`ack al-${id}`, { userId: 'U0BOB' });
    expect(second.text).toMatch(new RegExp(`^AL-${id} was already acknowledged by <@W0ANA> at `));
    expect(ctx.reconcileRequests).toBe(before + 1);
  });

  it('runs a repeated delivery only once', async () => {
    const id = listOpenAlerts(ctx.db)[0]!.id;
    const triggerId = standIn.issueTriggerId({ user: 'W0ANA' });
    const level = getAlert(ctx.db, id)!.escalationLevel;
    const first = await command(`escalate AL-${id}`, { triggerId });
    expect(first.text).toContain(`Escalated AL-${id} to level ${level + 1}`);
    const again = await command(`escalate AL-${id}`, { triggerId });
    expect(again.text).toBe('This request was already handled.');
    expect(getAlert(ctx.db, id)!.escalationLevel).toBe(level + 1);
  });

  it('rejects an unsigned request', async () => {
    const response = await sendSignedForm(url, 'wrong-secret', { command: SLASH_COMMAND, text: 'help' });
    expect(response.status).toBe(401);
  });
});

describe('slow subcommands', () => {
  it('reply through response_url after an empty ack', async () => {
    const slow: Subcommand = {
      name: 'slow',
      usage: ['slow'],
      summary: 'takes longer than the inline reply budget',
      run: () => new Promise((resolve) => setTimeout(() => resolve({ text: 'finished late' }), 2300)),
    };
    const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: SLACK_EVENTS_PATH, logger: toBoltLogger(ctx.log) });
    const app = new App({ token: TOKEN, receiver, clientOptions: { slackApiUrl: standIn.url }, logger: toBoltLogger(ctx.log), deferInitialization: true });
    registerCommandHandlers(app, ctx, [slow]);
    await app.init();
    const server = await receiver.start({ port: 0, host: '127.0.0.1' });
    try {
      const port = (server.address() as AddressInfo).port;
      const started = Date.now();
      const response = await sendSlashCommand(`http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`, SECRET, {
        command: SLASH_COMMAND,
        text: 'slow',
        userId: 'W0ANA',
        channelId: CHANNEL,
        teamId: 'T0STANDIN',
        triggerId: standIn.issueTriggerId({ user: 'W0ANA' }),
        responseUrl: standIn.issueResponseUrl({ channel: CHANNEL, user: 'W0ANA' }),
      });
      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      expect(Date.now() - started).toBeLessThan(3000);
      const deadline = Date.now() + 3000;
      while (standIn.ephemerals(CHANNEL, 'W0ANA').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(standIn.ephemerals(CHANNEL, 'W0ANA').map((ephemeral) => ephemeral.text)).toEqual(['finished late']);
    } finally {
      await receiver.stop();
    }
  });
});

describe('CommandRouter', () => {
  it('rejects two subcommands with one name', () => {
    const subcommand = allSubcommands()[0]!;
    expect(() => new CommandRouter([subcommand, subcommand])).toThrow(`two /pitstop subcommands are named "${subcommand.name}"`);
  });
});
