import { ErrorCode, LogLevel, WebClient, type WebAPICallError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../src/standins/slack-api.js';
import { renderChannels } from '../src/standins/slack-render.js';

const TOKEN = 'xoxb-test-token';

function clientFor(standIn: SlackStandIn, token: string | undefined): WebClient {
  return new WebClient(token, {
    slackApiUrl: standIn.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
}

/** Runs a call that must fail and returns the Web API error. */
async function failure(call: Promise<unknown>): Promise<WebAPICallError> {
  try {
    await call;
  } catch (error) {
    return error as WebAPICallError;
  }
  throw new Error('expected the call to fail');
}

async function platformError(call: Promise<unknown>): Promise<{ error: string; errors?: string[] }> {
  const error = await failure(call);
  if (error.code !== ErrorCode.PlatformError) throw error;
  return error.data as { error: string; errors?: string[] };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: { type: 'plain_text', text },
  ...extra,
});

describe('Slack stand-in', () => {
  let standIn: SlackStandIn;
  let client: WebClient;

  beforeEach(async () => {
    standIn = await startSlackStandIn({
      botToken: TOKEN,
      channels: [
        { id: 'C0EAST', name: 'gpu-east' },
        { id: 'C0WEST', name: 'gpu-west' },
      ],
      users: [{ id: 'U0ANA', name: 'ana' }],
      userGroups: [{ id: 'S0GPU', handle: 'gpu-oncall' }],
      postsPerSecondPerChannel: 1,
      postBurst: 3,
      triggerTtlMs: 200,
    });
    client = clientFor(standIn, TOKEN);
  });

  afterEach(async () => {
    await standIn.close();
  });

  it('rejects a missing or wrong token', async () => {
    expect((await platformError(clientFor(standIn, undefined).auth.test())).error).toBe('not_authed');
    expect((await platformError(clientFor(standIn, 'xoxb-other').auth.test())).error).toBe('invalid_auth');
    const identity = await client.auth.test();
    expect(identity.user_id).toBe(standIn.identity.botUserId);
    expect(identity.bot_id).toBe(standIn.identity.botId);
  });

  it('records arguments with blocks parsed back to JSON', async () => {
    const blocks = [section('12 pods pending'), { type: 'actions', elements: [button('Acknowledge')] }];
    const posted = await client.chat.postMessage({
      channel: 'C0EAST',
      text: '12 pods pending',
      blocks,
      metadata: { event_type: 'pitstop_message', event_payload: { key: 'alert:1' } },
    });
    const call = standIn.calls.at(-1)!;
    expect(call.method).toBe('chat.postMessage');
    expect(call.arguments.blocks).toEqual(blocks);
    expect(call.arguments.metadata).toEqual({ event_type: 'pitstop_message', event_payload: { key: 'alert:1' } });
    expect(call.arguments).not.toHaveProperty('token');
    expect(standIn.messages('gpu-east').map((message) => message.ts)).toEqual([posted.ts]);
    expect(JSON.parse(standIn.transcript().trim().split('\n').at(-1)!)).toEqual(call);
  });

  it('returns metadata only with include_all_metadata', async () => {
    const metadata = { event_type: 'pitstop_message', event_payload: { key: 'alert:2' } };
    await client.chat.postMessage({ channel: 'C0EAST', text: 'hello', metadata });
    const plain = await client.conversations.history({ channel: 'C0EAST' });
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');
    const full = await client.conversations.history({ channel: 'C0EAST', include_all_metadata: true });
    expect(full.messages?.[0]?.metadata).toEqual(metadata);
  });

  const limitCases: { name: string; blocks: unknown[]; pointer: string }[] = [
    { name: '51 blocks', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })), pointer: '/blocks' },
    { name: 'section text over 3000', blocks: [section('x'.repeat(3001))], pointer: '/blocks/0/text/text' },
    {
      name: '11 fields',
      blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      pointer: '/blocks/0/fields',
    },
    {
      name: 'field over 2000',
      blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      pointer: '/blocks/0/fields/0/text',
    },
    { name: 'header over 150', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], pointer: '/blocks/0/text/text' },
    { name: 'mrkdwn header', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], pointer: '/blocks/0/text/type' },
    {
      name: '11 context elements',
      blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
      pointer: '/blocks/0/elements',
    },
    {
      name: '26 actions',
      blocks: [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button(`b${i}`, { action_id: `a${i}` })) }],
      pointer: '/blocks/0/elements',
    },
    { name: 'block_id over 255', blocks: [{ type: 'divider', block_id: 'b'.repeat(256) }], pointer: '/blocks/0/block_id' },
    {
      name: 'duplicate block_id',
      blocks: [
        { type: 'divider', block_id: 'same' },
        { type: 'divider', block_id: 'same' },
      ],
      pointer: '/blocks/1/block_id',
    },
    { name: 'button text over 75', blocks: [{ type: 'actions', elements: [button('b'.repeat(76))] }], pointer: '/blocks/0/elements/0/text/text' },
    {
      name: 'button value over 2000',
      blocks: [{ type: 'actions', elements: [button('Ack', { value: 'v'.repeat(2001) })] }],
      pointer: '/blocks/0/elements/0/value',
    },
    {
      name: 'duplicate action_id',
      blocks: [{ type: 'actions', elements: [button('A', { action_id: 'ack' }), button('B', { action_id: 'ack' })] }],
      pointer: '/blocks/0/elements/1/action_id',
    },
    {
      name: 'action_id over 255',
      blocks: [{ type: 'actions', elements: [button('A', { action_id: 'a'.repeat(256) })] }],
      pointer: '/blocks/0/elements/0/action_id',
    },
    {
      name: 'button style other than primary or danger',
      blocks: [{ type: 'actions', elements: [button('A', { style: 'secondary' })] }],
      pointer: '/blocks/0/elements/0/style',
    },
    { name: 'unknown block type', blocks: [{ type: 'banner', text: 'x' }], pointer: '/blocks/0/type' },
  ];

  for (const { name, blocks, pointer } of limitCases) {
    it(`rejects ${name} as invalid_blocks`, async () => {
      const data = await platformError(client.chat.postMessage({ channel: 'C0WEST', text: 'fallback', blocks: blocks as never }));
      expect(data.error).toBe('invalid_blocks');
      expect(data.errors?.some((error) => error.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
      expect(standIn.messages('C0WEST')).toEqual([]);
    });
  }

  it('accepts blocks at every limit', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      section('s'.repeat(3000)),
      { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(200) })) },
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      {
        type: 'actions',
        block_id: 'b'.repeat(255),
        elements: Array.from({ length: 25 }, (_, i) => button('b'.repeat(75), { action_id: `a${i}`, style: 'danger' })),
      },
      ...Array.from({ length: 45 }, () => ({ type: 'divider' })),
    ];
    await expect(client.chat.postMessage({ channel: 'C0WEST', text: 'fallback', blocks: blocks as never })).resolves.toMatchObject({ ok: true });
  });

  it('rejects cumulative block text as msg_blocks_too_long', async () => {
    const blocks = Array.from({ length: 5 }, () => section('x'.repeat(2900)));
    expect((await platformError(client.chat.postMessage({ channel: 'C0EAST', text: 't', blocks }))).error).toBe('msg_blocks_too_long');
  });

  it('rejects missing content, long text and unknown channels', async () => {
    expect((await platformError(client.chat.postMessage({ channel: 'C0EAST', text: '' }))).error).toBe('no_text');
    expect((await platformError(client.chat.postMessage({ channel: 'C0EAST', text: 'x'.repeat(40_001) }))).error).toBe('msg_too_long');
    expect((await platformError(client.chat.postMessage({ channel: 'C0NOPE', text: 'hi' }))).error).toBe('channel_not_found');
    expect((await platformError(client.chat.update({ channel: 'C0EAST', ts: '1.000001', text: 'x' }))).error).toBe('message_not_found');
  });

  it('answers 429 with Retry-After per channel', async () => {
    for (const text of ['one', 'two', 'three']) await client.chat.postMessage({ channel: 'C0EAST', text });
    const error = await failure(client.chat.postMessage({ channel: 'C0EAST', text: 'four' }));
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect((error as { retryAfter?: number }).retryAfter).toBeGreaterThanOrEqual(1);
    await expect(client.chat.postMessage({ channel: 'C0WEST', text: 'other channel' })).resolves.toMatchObject({ ok: true });
    expect(standIn.messages('C0EAST').map((message) => message.text)).toEqual(['one', 'two', 'three']);
  });

  it('edits only bot messages and drops blocks on a text-only update', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0EAST', text: 'v1', blocks: [section('v1')] });
    await client.chat.update({ channel: 'C0EAST', ts: posted.ts!, text: 'v2' });
    const [message] = standIn.messages('C0EAST');
    expect(message?.text).toBe('v2');
    expect(message?.blocks).toBeUndefined();
    expect(message?.history).toEqual([{ text: 'v1', blocks: [section('v1')], attachments: undefined }]);
    const human = standIn.postUserMessage('C0EAST', { user: 'U0ANA', text: 'mine' });
    expect((await platformError(client.chat.update({ channel: 'C0EAST', ts: human.ts, text: 'x' }))).error).toBe('cant_update_message');
  });

  it('keeps threads and broadcast replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0EAST', text: 'parent' });
    await client.chat.postMessage({ channel: 'C0EAST', text: 'reply', thread_ts: parent.ts! });
    await client.chat.postMessage({ channel: 'C0EAST', text: 'broadcast', thread_ts: parent.ts!, reply_broadcast: true });
    expect(standIn.thread('C0EAST', parent.ts!).map((reply) => reply.text)).toEqual(['reply', 'broadcast']);
    const replies = await client.conversations.replies({ channel: 'C0EAST', ts: parent.ts! });
    expect(replies.messages?.map((message) => message.text)).toEqual(['parent', 'reply', 'broadcast']);
    const history = await client.conversations.history({ channel: 'C0EAST' });
    expect(history.messages?.map((message) => message.text)).toEqual(['broadcast', 'parent']);
    expect(history.messages?.[1]?.reply_count).toBe(2);
    const error = await platformError(client.chat.postMessage({ channel: 'C0WEST', text: 'x', thread_ts: '1.000001' }));
    expect(error.error).toBe('invalid_thread_ts');
  });

  it('pages conversations.history with a cursor', async () => {
    for (const text of ['a', 'b', 'c']) standIn.postUserMessage('C0WEST', { user: 'U0ANA', text });
    const first = await client.conversations.history({ channel: 'C0WEST', limit: 2 });
    expect(first.messages?.map((message) => message.text)).toEqual(['c', 'b']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({ channel: 'C0WEST', limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(second.messages?.map((message) => message.text)).toEqual(['a']);
    expect(second.has_more).toBe(false);
  });

  it('checks trigger ids: unknown, single use, expired', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Open ticket' }, blocks: [] };
    expect((await platformError(client.views.open({ trigger_id: 'made.up.id', view }))).error).toBe('invalid_trigger_id');
    const trigger = standIn.issueTriggerId({ user: 'U0ANA' });
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(standIn.view(opened.view!.id!)?.view).toEqual(view);
    expect((await platformError(client.views.open({ trigger_id: trigger, view }))).error).toBe('exchanged_trigger_id');
    const late = standIn.issueTriggerId();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await platformError(client.views.open({ trigger_id: late, view }))).error).toBe('expired_trigger_id');
  });

  it('stacks pushed views up to three', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Step' }, blocks: [] };
    const root = await client.views.open({ trigger_id: standIn.issueTriggerId(), view });
    const withoutModal = await platformError(client.views.push({ trigger_id: standIn.issueTriggerId(), view }));
    expect(withoutModal.error).toBe('invalid_arguments');
    const second = await client.views.push({ trigger_id: standIn.issueTriggerId({ viewId: root.view!.id! }), view });
    expect(second.view?.previous_view_id).toBe(root.view!.id);
    expect(second.view?.root_view_id).toBe(root.view!.id);
    await client.views.push({ trigger_id: standIn.issueTriggerId({ viewId: second.view!.id! }), view });
    const fourth = await platformError(client.views.push({ trigger_id: standIn.issueTriggerId({ viewId: root.view!.id! }), view }));
    expect(fourth.error).toBe('push_limit_reached');
  });

  it('filters history by oldest and latest', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((text) => standIn.postUserMessage('C0WEST', { user: 'U0ANA', text }));
    const between = await client.conversations.history({ channel: 'C0WEST', oldest: a!.ts, latest: c!.ts });
    expect(between.messages?.map((message) => message.text)).toEqual(['b']);
    const inclusive = await client.conversations.history({ channel: 'C0WEST', oldest: a!.ts, latest: b!.ts, inclusive: true });
    expect(inclusive.messages?.map((message) => message.text)).toEqual(['b', 'a']);
  });

  it('rejects a modal title over 24 characters', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 't'.repeat(25) }, blocks: [] };
    const error = await platformError(client.views.open({ trigger_id: standIn.issueTriggerId(), view }));
    expect(error.error).toBe('invalid_arguments');
  });

  it('updates a view and rejects a stale hash', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'One' }, blocks: [] };
    const opened = await client.views.open({ trigger_id: standIn.issueTriggerId(), view });
    const updated = await client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: { ...view, title: { type: 'plain_text', text: 'Two' } } });
    expect(updated.view?.title?.text).toBe('Two');
    const stale = await platformError(client.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view }));
    expect(stale.error).toBe('hash_conflict');
  });

  it('posts ephemerals and applies response_url messages', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0EAST', text: 'alert' });
    await client.chat.postEphemeral({ channel: 'C0EAST', user: 'U0ANA', text: 'only you' });
    expect(standIn.ephemerals('C0EAST', 'U0ANA').map((ephemeral) => ephemeral.text)).toEqual(['only you']);
    expect((await platformError(client.chat.postEphemeral({ channel: 'C0EAST', user: 'U0BOB', text: 'x' }))).error).toBe('user_not_found');
    const responseUrl = standIn.issueResponseUrl({ channel: 'C0EAST', user: 'U0ANA', messageTs: posted.ts! });
    const replaced = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'alert (acknowledged)' }),
    });
    expect(replaced.status).toBe(200);
    expect(standIn.messages('C0EAST')[0]?.text).toBe('alert (acknowledged)');
    expect(standIn.calls.at(-1)).toEqual({ method: 'response_url', arguments: { replace_original: true, text: 'alert (acknowledged)' } });
  });

  it('resolves users, user groups and channels', async () => {
    expect((await client.users.info({ user: 'U0ANA' })).user?.name).toBe('ana');
    expect((await platformError(client.users.info({ user: 'U0BOB' }))).error).toBe('user_not_found');
    expect((await client.usergroups.list()).usergroups?.map((group) => group.handle)).toEqual(['gpu-oncall']);
    expect((await client.conversations.info({ channel: 'C0WEST' })).channel?.name).toBe('gpu-west');
    const posted = await client.chat.postMessage({ channel: 'C0WEST', text: 'x' });
    const link = await client.chat.getPermalink({ channel: 'C0WEST', message_ts: posted.ts! });
    expect(link.permalink).toBe(`${standIn.baseUrl}archives/C0WEST/p${posted.ts!.replace('.', '')}`);
  });

  it('renders channels as plain text', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: '12 pods pending on gpu-east' } },
      { type: 'section', text: { type: 'mrkdwn', text: 'Owned by <!subteam^S0GPU> &amp; <@U0ANA>' } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Cluster*\ngpu-east' }, { type: 'mrkdwn', text: '*Reason*\nInsufficient' }] },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'MX-12 · <https://runbook.example/gpu|runbook>' }] },
      {
        type: 'actions',
        elements: [
          button('Acknowledge', { style: 'primary' }),
          { type: 'static_select', placeholder: { type: 'plain_text', text: 'Snooze' }, options: [{ text: { type: 'plain_text', text: '1h' }, value: '1h' }] },
          { type: 'overflow', options: [{ text: { type: 'plain_text', text: 'Open ticket' }, value: 'ticket' }] },
        ],
      },
    ];
    const parent = await client.chat.postMessage({ channel: 'C0EAST', text: '12 pods pending', blocks });
    await client.chat.postMessage({ channel: 'C0EAST', text: 'Acknowledged by <@U0ANA>', thread_ts: parent.ts! });
    const text = renderChannels(standIn, { channelNames: ['#gpu-east', 'gpu-west'] });

    expect(text.split('\n')[0]).toBe('#gpu-east (C0EAST)');
    expect(text).toContain('# 12 pods pending on gpu-east');
    expect(text).toContain('Owned by @gpu-oncall & @ana');
    expect(text).toContain('*Cluster* gpu-east    *Reason* Insufficient');
    expect(text).toContain('MX-12 · runbook (https://runbook.example/gpu)');
    expect(text).toContain('[Acknowledge] [Snooze ▾] [⋯]');
    expect(text).toContain('↳ 1 reply');
    expect(text).toContain('Acknowledged by @ana');
    expect(text).toContain('#gpu-west (C0WEST)\n  (no messages)');
  });

  it('renders the latest version of an edited message', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0EAST', text: 'open', blocks: [section('*open*')] });
    await client.chat.update({ channel: 'C0EAST', ts: posted.ts!, text: 'acknowledged', blocks: [section('*acknowledged*')] });
    const text = renderChannels(standIn, { channelNames: ['gpu-east'] });
    expect(text).toContain('*acknowledged*');
    expect(text).not.toContain('*open*');
    expect(text).toContain('edited 1×');
  });
});
