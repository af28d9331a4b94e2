import type { MessageMetadata, StandInMessage, Workspace } from './slack-workspace.js';

/** A Web API error, sent as HTTP 200 `{ ok: false, error, ...extra }` as Slack does. */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
    this.name = 'SlackApiError';
  }
}

/** Throws `invalid_arguments` with Slack's `[ERROR]` line in `response_metadata.messages`. */
export function invalidArguments(message: string): never {
  throw new SlackApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

/**
 * Method arguments as the client sent them. Form bodies carry every value as a string (WebClient
 * JSON-encodes objects into form fields); JSON bodies carry real types. Readers accept both.
 */
export class Args {
  constructor(readonly raw: Record<string, unknown>) {}

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') invalidArguments(`missing required field: ${name}`);
    return value;
  }

  flag(name: string): boolean {
    const value = this.raw[name];
    return value === true || value === 1 || value === 'true' || value === '1';
  }

  integer(name: string, fallback: number): number {
    const text = this.string(name);
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value)) invalidArguments(`${name} must be an integer, got "${text}"`);
    return value;
  }

  /** Reads a JSON-valued argument (`blocks`, `view`, `metadata`); a malformed string raises `errorName`. */
  json(name: string, errorName: string): unknown {
    const value = this.raw[name];
    if (typeof value !== 'string') return value;
    if (value === '') return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new SlackApiError(errorName, { response_metadata: { messages: [`[ERROR] ${name} is not valid JSON`] } });
    }
  }
}

/** A user group of the stand-in workspace; `users` are the member ids usergroups.users.list returns. */
export interface StandInUserGroup {
  id: string;
  handle: string;
  users?: string[];
}

export interface Identity {
  teamId: string;
  teamName: string;
  botUserId: string;
  botId: string;
  appId: string;
}

/** State and settings shared by every method handler. */
export interface MethodEnv {
  workspace: Workspace;
  identity: Identity;
  users: Map<string, { id: string; name: string }>;
  userGroups: StandInUserGroup[];
  /** The stand-in's root URL, ending in `/`. */
  baseUrl: string;
  triggerTtlMs: number;
  maxBlockTextChars: number;
  maxTextChars: number;
}

export type MethodHandler = (args: Args, env: MethodEnv) => Record<string, unknown>;

/** Parses `metadata` into `{ event_type, event_payload }`, or raises Slack's metadata errors. */
export function readMetadata(args: Args): MessageMetadata | undefined {
  const value = args.json('metadata', 'invalid_metadata_format');
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new SlackApiError('invalid_metadata_format');
  const { event_type: eventType, event_payload: eventPayload } = value as Record<string, unknown>;
  if (typeof eventType !== 'string' || eventType === '') throw new SlackApiError('invalid_metadata_schema');
  if (typeof eventPayload !== 'object' || eventPayload === null || Array.isArray(eventPayload)) {
    throw new SlackApiError('invalid_metadata_schema');
  }
  return { event_type: eventType, event_payload: eventPayload as Record<string, unknown> };
}

/** Renders a stored message as conversations.history and chat.postMessage return it. */
export function messageJson(
  message: StandInMessage,
  env: MethodEnv,
  options: { includeMetadata: boolean },
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    type: 'message',
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: env.identity.teamId,
  };
  if (message.botId) {
    json.bot_id = message.botId;
    json.app_id = env.identity.appId;
  }
  if (message.blocks) json.blocks = message.blocks;
  if (message.attachments) json.attachments = message.attachments;
  if (message.threadTs !== undefined) {
    json.thread_ts = message.threadTs;
    if (message.replyBroadcast) json.subtype = 'thread_broadcast';
  }
  const replies = message.replies.map((ts) => env.workspace.channels.get(message.channel)?.messages.get(ts));
  const live = replies.filter((reply): reply is StandInMessage => reply !== undefined && !reply.deleted);
  if (live.length > 0) {
    json.thread_ts = message.ts;
    json.reply_count = live.length;
    json.reply_users = [...new Set(live.map((reply) => reply.user))];
    json.latest_reply = live[live.length - 1]!.ts;
  }
  if (message.editedTs !== undefined) json.edited = { user: message.user, ts: message.editedTs };
  if (options.includeMetadata && message.metadata) json.metadata = message.metadata;
  return json;
}
