import { blockTextLength, validateBlocks } from './slack-block-kit.js';
import {
  type Args,
  type MethodEnv,
  type MethodHandler,
  messageJson,
  readMetadata,
  SlackApiError,
} from './slack-method-kit.js';
import type { StandInChannel, StandInMessage } from './slack-workspace.js';

interface ContentArgs {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Finds the `channel` argument's channel, or raises `channel_not_found` as Slack does for a missing one too. */
export function requireChannel(args: Args, env: MethodEnv, name = 'channel'): StandInChannel {
  const channel = env.workspace.channel(args.string(name));
  if (!channel) throw new SlackApiError('channel_not_found');
  return channel;
}

function readArray(args: Args, name: string, errorName: string): unknown[] | undefined {
  const value = args.json(name, errorName);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new SlackApiError(errorName);
  return value;
}

/** Reads and checks `text`, `blocks` and `attachments` the way chat.postMessage and chat.update do. */
export function readContent(args: Args, env: MethodEnv): ContentArgs {
  const text = args.string('text');
  const blocks = readArray(args, 'blocks', 'invalid_blocks_format');
  const attachments = readArray(args, 'attachments', 'invalid_attachments');
  if (text !== undefined && text.length > env.maxTextChars) throw new SlackApiError('msg_too_long');
  if (attachments && attachments.length > 100) throw new SlackApiError('too_many_attachments');
  if (blocks) {
    const errors = validateBlocks(blocks, 'message');
    if (errors.length > 0) {
      throw new SlackApiError('invalid_blocks', {
        errors,
        response_metadata: { messages: errors.map((error) => `[ERROR] ${error}`) },
      });
    }
    if (blockTextLength(blocks) > env.maxBlockTextChars) throw new SlackApiError('msg_blocks_too_long');
  }
  return { text, blocks, attachments };
}

function hasContent(content: ContentArgs): boolean {
  return (
    (content.text !== undefined && content.text !== '') ||
    (content.blocks !== undefined && content.blocks.length > 0) ||
    (content.attachments !== undefined && content.attachments.length > 0)
  );
}

function nonEmpty(list: unknown[] | undefined): unknown[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

const postMessage: MethodHandler = (args, env) => {
  const channel = requireChannel(args, env);
  const content = readContent(args, env);
  if (!hasContent(content)) throw new SlackApiError('no_text');
  const metadata = readMetadata(args);
  const threadTs = args.string('thread_ts');
  let parent: StandInMessage | undefined;
  if (threadTs !== undefined && threadTs !== '') {
    parent = env.workspace.threadParent(channel, threadTs);
    if (!parent) throw new SlackApiError('invalid_thread_ts');
  }
  const message = env.workspace.addMessage(channel, {
    channel: channel.id,
    user: env.identity.botUserId,
    botId: env.identity.botId,
    text: content.text ?? '',
    blocks: nonEmpty(content.blocks),
    attachments: nonEmpty(content.attachments),
    metadata,
    threadTs: parent?.ts,
    replyBroadcast: parent !== undefined && args.flag('reply_broadcast'),
  });
  return { channel: channel.id, ts: message.ts, message: messageJson(message, env, { includeMetadata: true }) };
};

function botMessage(args: Args, env: MethodEnv, tsName: string, forbidden: string): StandInMessage {
  const channel = requireChannel(args, env);
  const ts = args.required(tsName);
  const message = channel.messages.get(ts);
  if (!message || message.deleted) throw new SlackApiError('message_not_found');
  if (message.user !== env.identity.botUserId) throw new SlackApiError(forbidden);
  return message;
}

/** Omitting `blocks` while sending `text` removes the blocks; omitting both keeps them (Slack's chat.update rule). */
const update: MethodHandler = (args, env) => {
  const message = botMessage(args, env, 'ts', 'cant_update_message');
  const content = readContent(args, env);
  const metadata = readMetadata(args);
  if (!hasContent(content) && metadata === undefined) throw new SlackApiError('no_text');
  let blocks = message.blocks;
  if (content.blocks !== undefined) blocks = nonEmpty(content.blocks);
  else if (content.text !== undefined) blocks = undefined;
  env.workspace.editMessage(
    message,
    {
      text: content.text ?? message.text,
      blocks,
      attachments: content.attachments !== undefined ? nonEmpty(content.attachments) : message.attachments,
    },
    metadata,
  );
  return {
    channel: message.channel,
    ts: message.ts,
    text: message.text,
    message: messageJson(message, env, { includeMetadata: true }),
  };
};

const postEphemeral: MethodHandler = (args, env) => {
  const channel = requireChannel(args, env);
  const user = args.required('user');
  if (env.users.size > 0 && !env.users.has(user)) throw new SlackApiError('user_not_found');
  const content = readContent(args, env);
  if (!hasContent(content)) throw new SlackApiError('no_text');
  const ts = env.workspace.nextTs();
  channel.ephemerals.push({
    channel: channel.id,
    user,
    ts,
    text: content.text ?? '',
    blocks: nonEmpty(content.blocks),
    attachments: nonEmpty(content.attachments),
    threadTs: args.string('thread_ts'),
    deleted: false,
  });
  return { message_ts: ts };
};

const getPermalink: MethodHandler = (args, env) => {
  const channel = requireChannel(args, env);
  const ts = args.required('message_ts');
  const message = channel.messages.get(ts);
  if (!message || message.deleted) throw new SlackApiError('message_not_found');
  let permalink = `${env.baseUrl}archives/${channel.id}/p${ts.replace('.', '')}`;
  if (message.threadTs !== undefined) permalink += `?thread_ts=${message.threadTs}&cid=${channel.id}`;
  return { channel: channel.id, permalink };
};

const deleteMessage: MethodHandler = (args, env) => {
  const message = botMessage(args, env, 'ts', 'cant_delete_message');
  message.deleted = true;
  return { channel: message.channel, ts: message.ts };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'chat.delete': deleteMessage,
};
