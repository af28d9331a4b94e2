import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, type SlashCommand, type BlockButtonAction, type ViewSubmitAction } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../src/standins/slack-api.js';
import { sendBlockAction, sendSignedForm, sendSlashCommand, sendViewSubmission } from '../src/standins/slack-interactions.js';

const SECRET = 'signing-secret-for-tests';
const TOKEN = 'xoxb-interactions-test';

describe('signed interactions', () => {
  let standIn: SlackStandIn;
  let app: App;
  let url: string;
  const commands: SlashCommand[] = [];
  const actions: { body: BlockButtonAction; retryNum?: number }[] = [];
  const submissions: ViewSubmitAction[] = [];

  beforeEach(async () => {
    commands.length = 0;
    actions.length = 0;
    submissions.length = 0;
    standIn = await startSlackStandIn({ botToken: TOKEN, channels: [{ id: 'C0EAST', name: 'gpu-east' }], users: [{ id: 'W0ANA', name: 'ana' }] });
    const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
    app = new App({
      receiver,
      token: TOKEN,
      botId: standIn.identity.botId,
      botUserId: standIn.identity.botUserId,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: standIn.url, retryConfig: { retries: 0 } },
    });
    app.command('/pitstop', async ({ command, ack, respond }) => {
      await ack();
      commands.push(command);
      if (command.response_url) await respond({ text: `running ${command.text}` });
    });
    app.action<BlockButtonAction>('acknowledge', async ({ body, ack, context }) => {
      await ack();
      actions.push({ body, retryNum: context.retryNum });
    });
    app.view<ViewSubmitAction>('open_ticket', async ({ body, ack }) => {
      submissions.push(body);
      await ack({ response_action: 'errors', errors: { title: 'A title is required' } });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(async () => {
    await app.stop();
    await standIn.close();
  });

  it('delivers a signed slash command and its respond()', async () => {
    const responseUrl = standIn.issueResponseUrl({ channel: 'C0EAST', user: 'W0ANA' });
    const triggerId = standIn.issueTriggerId({ user: 'W0ANA' });
    const response = await sendSlashCommand(url, SECRET, {
      command: '/pitstop',
      text: 'ack 12',
      userId: 'W0ANA',
      userName: 'ana',
      channelId: 'C0EAST',
      teamId: 'T0STANDIN',
      triggerId,
      responseUrl,
    });
    expect(response.status).toBe(200);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ command: '/pitstop', text: 'ack 12', user_id: 'W0ANA', channel_id: 'C0EAST', trigger_id: triggerId });
    await expect.poll(() => standIn.ephemerals('C0EAST', 'W0ANA').map((ephemeral) => ephemeral.text)).toEqual(['running ack 12']);
  });

  it('delivers a button click with its retry number', async () => {
    const response = await sendBlockAction(
      url,
      SECRET,
      {
        userId: 'W0ANA',
        teamId: 'T0STANDIN',
        channelId: 'C0EAST',
        messageTs: '1772359200.000100',
        actionId: 'acknowledge',
        blockId: 'alert:12',
        value: '12',
        actionText: 'Acknowledge',
        message: { text: 'alert 12', user: standIn.identity.botUserId },
      },
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    expect(response.status).toBe(200);
    expect(actions).toHaveLength(1);
    const [{ body, retryNum }] = actions as [{ body: BlockButtonAction; retryNum?: number }];
    expect(body.actions[0]).toMatchObject({ action_id: 'acknowledge', block_id: 'alert:12', value: '12', type: 'button' });
    expect(body.message?.ts).toBe('1772359200.000100');
    expect(body.container).toMatchObject({ type: 'message', channel_id: 'C0EAST', is_ephemeral: false });
    expect(retryNum).toBe(1);
  });

  it('leaves out the message of a click on an ephemeral', async () => {
    await sendBlockAction(url, SECRET, {
      userId: 'W0ANA',
      teamId: 'T0STANDIN',
      channelId: 'C0EAST',
      messageTs: '1772359200.000200',
      actionId: 'acknowledge',
      blockId: 'b',
      isEphemeral: true,
    });
    expect(actions[0]?.body.message).toBeUndefined();
    expect(actions[0]?.body.actions[0]).not.toHaveProperty('value');
  });

  it('returns the view_submission ack body', async () => {
    const response = await sendViewSubmission(url, SECRET, {
      userId: 'W0ANA',
      teamId: 'T0STANDIN',
      viewId: 'V0TICKET',
      callbackId: 'open_ticket',
      privateMetadata: JSON.stringify({ channel: 'C0EAST' }),
      values: { title: { value: { type: 'plain_text_input', value: null } } },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ response_action: 'errors', errors: { title: 'A title is required' } });
    expect(submissions[0]?.view.private_metadata).toBe('{"channel":"C0EAST"}');
  });

  it('rejects a bad signature', async () => {
    const response = await sendSlashCommand(url, 'some-other-secret', { command: '/pitstop', text: 'x', userId: 'W0ANA', channelId: 'C0EAST', teamId: 'T0STANDIN' });
    expect(response.status).toBe(401);
    expect(commands).toEqual([]);
  });

  it('rejects a timestamp older than five minutes', async () => {
    const timestampSec = Math.floor(Date.now() / 1000) - 6 * 60;
    const response = await sendSlashCommand(
      url,
      SECRET,
      { command: '/pitstop', text: 'x', userId: 'W0ANA', channelId: 'C0EAST', teamId: 'T0STANDIN' },
      { timestampSec },
    );
    expect(response.status).toBe(401);
    expect(commands).toEqual([]);
  });

  it('signs the raw form bytes', async () => {
    const response = await sendSignedForm(url, SECRET, {
      command: '/pitstop',
      text: 'status gpu-east/h100 pool',
      user_id: 'W0ANA',
      channel_id: 'C0EAST',
      team_id: 'T0STANDIN',
    });
    expect(response.status).toBe(200);
    expect(commands[0]?.text).toBe('status gpu-east/h100 pool');
  });
});
