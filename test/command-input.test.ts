import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { getAlert, listOpenAlerts } from '../src/alerts/store.js';
import { SLASH_COMMAND } from '../src/handlers/commands.js';
import { createSlackApp, type SlackApp } from '../src/slack/app.js';
import { startSlackStandIn, type SlackStandIn } from '../src/standins/slack-api.js';
import { sendSlashCommand } from '../src/standins/slack-interactions.js';
import { CHANNEL, node, pendingPod, removeStore, StaticFleet, testContext, type TestContext } from './alert-fixtures.js';

const TOKEN = 'xoxb-command-input';
const SECRET = 'command-input-secret';

let standIn: SlackStandIn;
let slack: SlackApp;
let ctx: TestContext;
let alertId: number;

beforeAll(async () => {
  standIn = await startSlackStandIn({ botToken: TOKEN, channels: [{ id: CHANNEL, name: 'gpu-east' }] });
  const fleet = new StaticFleet();
  fleet.nodeList = [node('gpu-0', { cordoned: true })];
  fleet.podList = [pendingPod('trainer-0', { message: '0/1 nodes are available: 1 node(s) were unschedulable.', since: '2026-03-02T11:00:00Z' })];
  ctx = testContext({ fleet });
  slack = createSlackApp(ctx, { botToken: TOKEN, signingSecret: SECRET, slackApiUrl: standIn.url, port: 0, host: '127.0.0.1' });
  await slack.start();
  reconcileAlerts(ctx);
  alertId = listOpenAlerts(ctx.db)[0]!.id;
});

afterAll(async () => {
  await slack.stop();
  await standIn.close();
  ctx.close();
  removeStore(ctx.path);
});

async function command(text: string): Promise<string> {
  const response = await sendSlashCommand(slack.url!, SECRET, {
    command: SLASH_COMMAND,
    text,
    userId: 'W0ANA',
    channelId: CHANNEL,
    teamId: 'T0STANDIN',
    triggerId: standIn.issueTriggerId({ user: 'W0ANA' }),
  });
  expect(response.status).toBe(200);
  return (response.json as { text: string }).text;
}

describe('snooze durations', () => {
  it('rejects a snooze beyond the maximum', async () => {
    const reply = await command(`snooze AL-${alertId} 100000d`);
    expect(reply).toContain('snooze duration "100000d" is longer than the maximum of 30d');
    expect(getAlert(ctx.db, alertId)!.state).not.toBe('snoozed');
  });

  it('rejects a duration past any date', async () => {
    const reply = await command(`snooze AL-${alertId} 99999999999999999999w`);
    expect(reply).toContain('is longer than the maximum of 30d');
    expect(reply).not.toContain('failed');
  });

  it('accepts the maximum itself', async () => {
    const reply = await command(`snooze AL-${alertId} 30d`);
    expect(reply).toMatch(new RegExp(`^Snoozed AL-${alertId} until `));
  });
});

describe('command text', () => {
  it('ignores zero-width characters', async () => {
    const reply = await command(`\u200back AL-${alertId}\u200b`);
    expect(reply).toBe(`Acknowledged AL-${alertId}.`);
  });

  it('reads full-width letters and digits', async () => {
    const reply = await command(`ack ＡＬ-${String(alertId).replace(/\d/g, (digit) => String.fromCharCode(0xff10 + Number(digit)))}`);
    expect(reply).toMatch(new RegExp(`^AL-${alertId} was already acknowledged`));
  });

  it('reads an id copied with formatting', async () => {
    for (const text of [`*AL-${alertId}*`, `\`AL-${alertId}\``, `AL-${alertId},`, `_AL-${alertId}_.`]) {
      const reply = await command(`ack ${text}`);
      expect(reply, text).toMatch(new RegExp(`^AL-${alertId} was already acknowledged`));
    }
  });

  it('still rejects a maintenance id', async () => {
    const reply = await command('ack *MX-1*');
    expect(reply).toContain('"*MX-1*" is not an alert id');
  });
});
