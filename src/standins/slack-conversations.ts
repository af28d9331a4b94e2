import { requireChannel } from './slack-chat.js';
import { type Args, invalidArguments, type MethodHandler, messageJson, SlackApiError } from './slack-method-kit.js';
import type { StandInMessage } from './slack-workspace.js';

/** Converts a Slack ts (`1700000000.000123`, or a bare `1700000000`) to microseconds, exactly. */
export function tsMicros(ts: string): bigint {
  const match = /^(\d+)(?:\.(\d{0,6}))?$/.exec(ts.trim());
  if (!match) invalidArguments(`invalid timestamp "${ts}": expected seconds with up to 6 decimals`);
  return BigInt(match[1]!) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

interface Range {
  oldest: bigint;
  latest: bigint | undefined;
  inclusive: boolean;
}

function readRange(args: Args): Range {
  const oldest = args.string('oldest');
  const latest = args.string('latest');
  return {
    oldest: oldest ? tsMicros(oldest) : 0n,
    latest: latest ? tsMicros(latest) : undefined,
    inclusive: args.flag('inclusive'),
  };
}

function inRange(ts: string, range: Range): boolean {
  const micros = tsMicros(ts);
  if (range.oldest > 0n && (range.inclusive ? micros < range.oldest : micros <= range.oldest)) return false;
  if (range.latest !== undefined && (range.inclusive ? micros > range.latest : micros >= range.latest)) return false;
  return true;
}

/** Cuts one page from `items`; the cursor is the offset of the next page, base64-encoded like Slack's. */
function page<T>(items: T[], args: Args, defaultLimit: number): { items: T[]; nextCursor: string } {
  const limit = Math.min(Math.max(args.integer('limit', defaultLimit), 1), 999);
  const cursor = args.string('cursor');
  let offset = 0;
  if (cursor) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!decoded) throw new SlackApiError('invalid_cursor');
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
  return { items: slice, nextCursor: next };
}

/** Top-level messages and broadcast replies, newest first, as conversations.history lists them. */
const history: MethodHandler = (args, env) => {
  const channel = requireChannel(args, env);
  const range = readRange(args);
  const includeMetadata = args.flag('include_all_metadata');
  const listed = [...channel.messages.values()]
    .filter((message) => !message.deleted && (message.threadTs === undefined || message.replyBroadcast))
    .filter((message) => inRange(message.ts, range))
    .reverse();
  const { items, nextCursor } = page(listed, args, 100);
  return {
    messages: items.map((message) => messageJson(message, env, { includeMetadata })),
    has_more: nextCursor !== '',
    pin_count: 0,
    response_metadata: { next_cursor: nextCursor },
  };
};

/** Lists a thread: the parent message first, then its replies oldest first. */
const replies: MethodHandler = (args, env) => {
  const channel = requireChannel(args, env);
  const ts = args.required('ts');
  const found = channel.messages.get(ts);
  const parent = found?.threadTs !== undefined ? channel.messages.get(found.threadTs) : found;
  if (!parent || parent.deleted) throw new SlackApiError('thread_not_found');
  const range = readRange(args);
  const thread = parent.replies
    .map((replyTs) => channel.messages.get(replyTs))
    .filter((reply): reply is StandInMessage => reply !== undefined && !reply.deleted && inRange(reply.ts, range));
  const { items, nextCursor } = page([parent, ...thread], args, 1000);
  const includeMetadata = args.flag('include_all_metadata');
  return {
    messages: items.map((message) => messageJson(message, env, { includeMetadata })),
    has_more: nextCursor !== '',
    response_metadata: { next_cursor: nextCursor },
  };
};

const info: MethodHandler = (args, env) => {
  const channel = requireChannel(args, env);
  return {
    channel: {
      id: channel.id,
      name: channel.name,
      is_channel: true,
      is_private: false,
      is_archived: false,
      is_member: true,
      context_team_id: env.identity.teamId,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    },
  };
};

const usersInfo: MethodHandler = (args, env) => {
  const id = args.required('user');
  if (id === env.identity.botUserId) {
    return { user: { id, team_id: env.identity.teamId, name: 'pitstop', is_bot: true, deleted: false, profile: {} } };
  }
  const user = env.users.get(id);
  if (!user) throw new SlackApiError('user_not_found');
  return {
    user: {
      id: user.id,
      team_id: env.identity.teamId,
      name: user.name,
      real_name: user.name,
      deleted: false,
      is_bot: false,
      tz: 'UTC',
      profile: { display_name: user.name, real_name: user.name },
    },
  };
};

const authTest: MethodHandler = (_args, env) => ({
  url: env.baseUrl,
  team: env.identity.teamName,
  user: 'pitstop',
  team_id: env.identity.teamId,
  user_id: env.identity.botUserId,
  bot_id: env.identity.botId,
  is_enterprise_install: false,
});

export const conversationMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'conversations.history': history,
  'conversations.replies': replies,
  'conversations.info': info,
  'users.info': usersInfo,
};
