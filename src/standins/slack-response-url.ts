import { readContent } from './slack-chat.js';
import { Args, type MethodEnv, SlackApiError } from './slack-method-kit.js';
import type { ResponseUrlGrant, StandInChannel } from './slack-workspace.js';

/** Slack lets an interaction's response_url be used up to 5 times within 30 minutes. */
const MAX_USES = 5;
const LIFETIME_MS = 30 * 60_000;

export interface ResponseUrlResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Applies a message sent to a response_url, as Bolt's `respond()` sends it (a JSON body). Without
 * `response_type: in_channel` the message is ephemeral to the user who interacted; `replace_original` and
 * `delete_original` act on the message the interaction came from, ephemeral or not.
 */
export function applyResponseUrl(grant: ResponseUrlGrant | undefined, body: Record<string, unknown>, env: MethodEnv): ResponseUrlResult {
  if (!grant) return { status: 404, body: { ok: false, error: 'invalid_url' } };
  if (performance.now() - grant.issuedAt > LIFETIME_MS) return { status: 404, body: { ok: false, error: 'expired_url' } };
  if (grant.uses >= MAX_USES) return { status: 404, body: { ok: false, error: 'used_url' } };
  grant.uses += 1;
  const channel = env.workspace.channel(grant.channel);
  if (!channel) return { status: 404, body: { ok: false, error: 'channel_not_found' } };
  const args = new Args(body);
  try {
    if (args.flag('delete_original')) deleteOriginal(channel, grant);
    else respond(channel, grant, args, env);
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    return { status: 400, body: { ok: false, error: error.error, ...error.extra } };
  }
  return { status: 200, body: { ok: true } };
}

function originalEphemeral(channel: StandInChannel, grant: ResponseUrlGrant) {
  return channel.ephemerals.find((ephemeral) => ephemeral.ts === grant.messageTs && ephemeral.user === grant.user);
}

function deleteOriginal(channel: StandInChannel, grant: ResponseUrlGrant): void {
  const ephemeral = originalEphemeral(channel, grant);
  if (ephemeral) {
    ephemeral.deleted = true;
    return;
  }
  const message = grant.messageTs === undefined ? undefined : channel.messages.get(grant.messageTs);
  if (!message) throw new SlackApiError('message_not_found');
  message.deleted = true;
}

function respond(channel: StandInChannel, grant: ResponseUrlGrant, args: Args, env: MethodEnv): void {
  const content = readContent(args, env);
  if (!content.text && !content.blocks?.length) throw new SlackApiError('no_text');
  const text = content.text ?? '';
  const blocks = content.blocks?.length ? content.blocks : undefined;
  if (args.flag('replace_original')) {
    const ephemeral = originalEphemeral(channel, grant);
    if (ephemeral) {
      ephemeral.text = text;
      ephemeral.blocks = blocks;
      return;
    }
    const message = grant.messageTs === undefined ? undefined : channel.messages.get(grant.messageTs);
    if (!message || message.deleted) throw new SlackApiError('message_not_found');
    env.workspace.editMessage(message, { text, blocks, attachments: message.attachments });
    return;
  }
  const threadTs = args.string('thread_ts');
  if (args.string('response_type') === 'in_channel') {
    const parent = threadTs ? env.workspace.threadParent(channel, threadTs) : undefined;
    env.workspace.addMessage(channel, {
      channel: channel.id,
      user: env.identity.botUserId,
      botId: env.identity.botId,
      text,
      blocks,
      threadTs: parent?.ts,
      replyBroadcast: false,
    });
    return;
  }
  channel.ephemerals.push({ channel: channel.id, user: grant.user, ts: env.workspace.nextTs(), text, blocks, threadTs, deleted: false });
}
