import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { plural } from '../slack/messages/common.js';
import { MAX_BLOCK_TEXT_CHARS } from './slack-block-kit.js';
import { chatMethods } from './slack-chat.js';
import { conversationMethods } from './slack-conversations.js';
import {
  Args,
  type Identity,
  type MethodEnv,
  type MethodHandler,
  SlackApiError,
  type StandInUserGroup,
} from './slack-method-kit.js';
import { TokenBucket } from './slack-rate.js';
import { applyResponseUrl } from './slack-response-url.js';
import { CONNECTIONS_OPEN_METHOD, SocketModeServer, type SocketModeStandIn } from './slack-socket.js';
import { userGroupMethods, userGroupScopes } from './slack-usergroups.js';
import { viewMethods } from './slack-views.js';
import {
  type StandInEphemeral,
  type StandInMessage,
  type StandInView,
  type TimeSource,
  Workspace,
} from './slack-workspace.js';

export type { StandInEphemeral, StandInMessage, StandInView } from './slack-workspace.js';
export type { SocketAck, SocketEnvelope, SocketModeStandIn } from './slack-socket.js';

export interface SlackStandInOptions {
  /** The only token the stand-in accepts, as `Authorization: Bearer …` or a `token` argument. */
  botToken: string;
  /**
   * App-level token (`xapp-…`) that apps.connections.open accepts for Socket Mode. Without it every
   * apps.connections.open call fails with `invalid_auth`.
   */
  appToken?: string;
  channels: { id: string; name: string }[];
  /** Known people; when given, users.info and chat.postEphemeral reject other user ids with `user_not_found`. */
  users?: { id: string; name: string }[];
  /** User groups with the members usergroups.users.list returns. Any other group id fails with `no_such_subteam`. */
  userGroups?: StandInUserGroup[];
  /**
   * Bot token scopes. When given, a method with a known scope (the user group methods) fails with
   * `missing_scope` unless the scope is listed. Unset grants every scope.
   */
  scopes?: string[];
  /** chat.postMessage rate per channel before HTTP 429; default 1, as Slack documents. */
  postsPerSecondPerChannel?: number;
  /** Posts a channel may take at once above the steady rate; default 3. */
  postBurst?: number;
  /**
   * Workspace-wide limits of other methods, as Slack's rate tiers set them (chat.update is Tier 3, 50+ per
   * minute), such as `{ 'chat.update': { perMinute: 50, burst: 5 } }`. Unset methods are not limited.
   */
  methodLimits?: Record<string, { perMinute: number; burst?: number }>;
  /** How long a trigger id stays usable; default 3000 ms, as at Slack. */
  triggerTtlMs?: number;
  /** Source of message timestamps (`ts`); default the system clock. Rate limits always use real time. */
  clock?: TimeSource;
  /** Cumulative block text above which posts fail with `msg_blocks_too_long`; default 12,000. */
  maxBlockTextChars?: number;
}

/** One Web API call as the client sent it: the token removed, JSON-valued fields parsed back. */
export interface SlackCall {
  method: string;
  arguments: Record<string, unknown>;
}

/**
 * A failure to inject into the next calls of a method. `error`, `status` and `rateLimited` respond before
 * the call takes effect. `dropResponse` applies the call and then closes the connection without a
 * response, so the client cannot tell whether the post arrived. `holdResponse` applies it and never responds.
 * `delayMs` waits that long before it applies the call and responds, as a slow network would.
 */
export type StandInFault =
  | { error: string }
  | { status: number }
  | { rateLimited: number }
  | { dropResponse: true }
  | { holdResponse: true }
  | { delayMs: number };

export interface SlackStandIn {
  /** The Web API root to pass as `slackApiUrl`, ending in `/api/`. */
  readonly url: string;
  /** The server's root, ending in `/`. */
  readonly baseUrl: string;
  readonly identity: Identity;
  /** The configured channels, in configuration order. */
  readonly channels: readonly { id: string; name: string }[];
  /** Every call received, in order, including rejected ones. */
  readonly calls: readonly SlackCall[];
  /** The Socket Mode WebSocket server that apps.connections.open URLs point at. */
  readonly socket: SocketModeStandIn;
  /** Top-level messages of a channel (id or name), oldest first, deleted ones left out. */
  messages(channel: string): StandInMessage[];
  /** Replies in the thread of `ts`, oldest first, without the parent. */
  thread(channel: string, ts: string): StandInMessage[];
  /** Ephemeral messages in a channel, to one user or to all. */
  ephemerals(channel: string, user?: string): StandInEphemeral[];
  channelName(channelId: string): string | undefined;
  userName(userId: string): string | undefined;
  userGroupHandle(groupId: string): string | undefined;
  /** Issues a trigger id as an interaction would carry; pass `viewId` when it comes from inside a modal. */
  issueTriggerId(options?: { user?: string; viewId?: string }): string;
  /** Issues a response_url for an interaction by `user` in `channel`, optionally on message `messageTs`. */
  issueResponseUrl(options: { channel: string; user: string; messageTs?: string }): string;
  view(viewId: string): StandInView | undefined;
  /** Posts a message as a person, for threads where people talk next to the bot. */
  postUserMessage(channel: string, message: { user: string; text: string; threadTs?: string }): StandInMessage;
  failNext(method: string, fault: StandInFault, times?: number): void;
  /** Resolves once `count` calls to `method` have arrived. */
  waitForCalls(method: string, count: number, timeoutMs?: number): Promise<void>;
  /** The calls as JSON lines, `{"method", "arguments"}` each, for `--transcript`. */
  transcript(): string;
  close(): Promise<void>;
}

const JSON_ARGUMENTS = ['blocks', 'attachments', 'metadata', 'view'];
const methods: Record<string, MethodHandler> = {
  ...chatMethods,
  ...conversationMethods,
  ...userGroupMethods,
  ...viewMethods,
};
const methodScopes: Record<string, string> = { ...userGroupScopes };

/** Starts a local Slack Web API on 127.0.0.1 and an ephemeral port, speaking what @slack/web-api sends. */
export async function startSlackStandIn(options: SlackStandInOptions): Promise<SlackStandIn> {
  const server = new StandInServer(options);
  await server.listen();
  return server;
}

class StandInServer implements SlackStandIn {
  url = '';
  baseUrl = '';
  readonly identity: Identity = {
    teamId: 'T0STANDIN',
    teamName: 'Pitstop stand-in',
    botUserId: 'U0PITSTOP',
    botId: 'B0PITSTOP',
    appId: 'A0PITSTOP',
  };
  readonly calls: SlackCall[] = [];
  readonly channels: { id: string; name: string }[];
  private readonly workspace: Workspace;
  private readonly env: MethodEnv;
  private readonly server = createServer((request, response) => {
    // A request whose body never completes (the client went away) gets no response, because nobody is left to read it.
    this.handle(request, response).catch(() => response.destroy());
  });
  private readonly sockets = new Set<Socket>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly methodBuckets = new Map<string, TokenBucket>();
  private readonly faults = new Map<string, StandInFault[]>();
  private readonly waiters = new Set<() => void>();
  readonly socket: SocketModeServer;

  constructor(private readonly options: SlackStandInOptions) {
    this.socket = new SocketModeServer(options, this.identity.appId, () => this.baseUrl.replace(/^http:/, 'ws:').replace(/\/$/, ''));
    this.server.on('upgrade', (request, socket, head: Buffer) => this.socket.handleUpgrade(request, socket, head));
    this.channels = options.channels.map((channel) => ({ id: channel.id, name: channel.name }));
    this.workspace = new Workspace(options.channels, options.clock ?? { now: () => new Date() });
    this.env = {
      workspace: this.workspace,
      identity: this.identity,
      users: new Map((options.users ?? []).map((user) => [user.id, user])),
      userGroups: options.userGroups ?? [],
      baseUrl: '',
      triggerTtlMs: options.triggerTtlMs ?? 3000,
      maxBlockTextChars: options.maxBlockTextChars ?? MAX_BLOCK_TEXT_CHARS,
      maxTextChars: 40_000,
    };
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/`;
    this.url = `${this.baseUrl}api/`;
    this.env.baseUrl = this.baseUrl;
  }

  messages(channel: string): StandInMessage[] {
    const found = this.workspace.channel(channel);
    if (!found) return [];
    return found.timeline.map((ts) => found.messages.get(ts)!).filter((message) => !message.deleted);
  }

  thread(channel: string, ts: string): StandInMessage[] {
    const found = this.workspace.channel(channel);
    const parent = found?.messages.get(ts);
    if (!found || !parent) return [];
    return parent.replies.map((replyTs) => found.messages.get(replyTs)!).filter((reply) => !reply.deleted);
  }

  ephemerals(channel: string, user?: string): StandInEphemeral[] {
    const found = this.workspace.channel(channel);
    if (!found) return [];
    return found.ephemerals.filter((ephemeral) => !ephemeral.deleted && (user === undefined || ephemeral.user === user));
  }

  channelName(channelId: string): string | undefined {
    return this.workspace.channels.get(channelId)?.name;
  }

  userName(userId: string): string | undefined {
    if (userId === this.identity.botUserId) return 'pitstop';
    return this.env.users.get(userId)?.name;
  }

  userGroupHandle(groupId: string): string | undefined {
    return this.env.userGroups.find((group) => group.id === groupId)?.handle;
  }

  issueTriggerId(options: { user?: string; viewId?: string } = {}): string {
    const id = `${Date.now()}.${this.workspace.nextId('')}.${randomBytes(8).toString('hex')}`;
    this.workspace.triggers.set(id, { issuedAt: performance.now(), used: false, ...options });
    return id;
  }

  issueResponseUrl(options: { channel: string; user: string; messageTs?: string }): string {
    const id = randomBytes(12).toString('hex');
    this.workspace.responseUrls.set(id, { ...options, issuedAt: performance.now(), uses: 0 });
    return `${this.baseUrl}response/${id}`;
  }

  view(viewId: string): StandInView | undefined {
    return this.workspace.views.get(viewId);
  }

  postUserMessage(channel: string, message: { user: string; text: string; threadTs?: string }): StandInMessage {
    const found = this.workspace.channel(channel);
    if (!found) throw new Error(`postUserMessage: unknown channel "${channel}"; configure it in startSlackStandIn`);
    const parent = message.threadTs === undefined ? undefined : this.workspace.threadParent(found, message.threadTs);
    if (message.threadTs !== undefined && !parent) {
      throw new Error(`postUserMessage: no message ${message.threadTs} in ${channel} to reply to`);
    }
    return this.workspace.addMessage(found, {
      channel: found.id,
      user: message.user,
      text: message.text,
      threadTs: parent?.ts,
      replyBroadcast: false,
    });
  }

  failNext(method: string, fault: StandInFault, times = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.faults.set(method, queue);
  }

  waitForCalls(method: string, count: number, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => this.calls.filter((call) => call.method === method).length >= count;
      if (check()) return resolve();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${plural(count, `${method} call`)}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  transcript(): string {
    return this.calls.map((call) => `${JSON.stringify(call)}\n`).join('');
  }

  async close(): Promise<void> {
    await this.socket.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private record(method: string, args: Record<string, unknown>): void {
    const recorded: Record<string, unknown> = { ...args };
    delete recorded.token;
    for (const name of JSON_ARGUMENTS) {
      const value = recorded[name];
      if (typeof value !== 'string') continue;
      try {
        recorded[name] = JSON.parse(value) as unknown;
      } catch {
        // A malformed value stays as sent; the method rejects it.
      }
    }
    this.calls.push({ method, arguments: recorded });
    for (const waiter of [...this.waiters]) waiter();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.baseUrl);
    const raw = await readBody(request);
    if (request.method === 'POST' && url.pathname.startsWith('/response/')) {
      return this.handleResponseUrl(url.pathname.slice('/response/'.length), raw, response);
    }
    if (!url.pathname.startsWith('/api/')) return send(response, 404, { ok: false, error: 'not_found' });
    const method = url.pathname.slice('/api/'.length);
    let args: Record<string, unknown>;
    try {
      args = { ...Object.fromEntries(url.searchParams), ...parseBody(raw, request.headers['content-type']) };
    } catch {
      this.record(method, { body: raw });
      return send(response, 200, { ok: false, error: 'invalid_json' });
    }
    this.record(method, args);
    await this.answer(method, args, request, response);
  }

  private async answer(method: string, args: Record<string, unknown>, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const authError = method === CONNECTIONS_OPEN_METHOD ? this.socket.authenticate(requestToken(request, args)) : this.authenticate(request, args);
    if (authError) return send(response, 200, { ok: false, error: authError });
    const scopeError = this.missingScope(method);
    if (scopeError) return send(response, 200, scopeError);
    const fault = this.faults.get(method)?.shift();
    if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && 'error' in fault) return send(response, 200, { ok: false, error: fault.error });
    if (fault && 'status' in fault) return send(response, fault.status, { ok: false, error: `http_${fault.status}` });
    if (fault && 'rateLimited' in fault) return sendRateLimited(response, fault.rateLimited);
    if (method === CONNECTIONS_OPEN_METHOD) return send(response, 200, { ok: true, ...this.socket.openConnection() });
    const handler = methods[method];
    if (!handler) return send(response, 200, { ok: false, error: 'unknown_method' });
    const bucket = method === 'chat.postMessage' ? this.bucketFor(new Args(args)) : this.methodBucket(method);
    const waitMs = bucket?.waitMs(performance.now()) ?? 0;
    if (waitMs > 0) return sendRateLimited(response, Math.max(1, Math.ceil(waitMs / 1000)));
    const result = this.invoke(handler, args);
    if (bucket && result.body.ok === true) bucket.take(performance.now());
    if (fault && 'dropResponse' in fault) return void response.socket?.destroy();
    if (fault && 'holdResponse' in fault) return;
    send(response, result.status, result.body);
  }

  private invoke(handler: MethodHandler, args: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    try {
      return { status: 200, body: { ok: true, ...handler(new Args(args), this.env) } };
    } catch (error) {
      if (error instanceof SlackApiError) return { status: 200, body: { ok: false, error: error.error, ...error.extra } };
      return { status: 500, body: { ok: false, error: 'internal_error', detail: String(error) } };
    }
  }

  private authenticate(request: IncomingMessage, args: Record<string, unknown>): string | undefined {
    const token = requestToken(request, args);
    if (token === undefined || token === '') return 'not_authed';
    if (token === this.options.appToken) return 'not_allowed_token_type';
    return token === this.options.botToken ? undefined : 'invalid_auth';
  }

  /** Returns Slack's `missing_scope` body when the token lacks the method's scope, with `needed` and `provided`. */
  private missingScope(method: string): Record<string, unknown> | undefined {
    const needed = methodScopes[method];
    const granted = this.options.scopes;
    if (needed === undefined || granted === undefined || granted.includes(needed)) return undefined;
    return { ok: false, error: 'missing_scope', needed, provided: granted.join(',') };
  }

  /** Returns the workspace-wide bucket of a method with a configured limit. */
  private methodBucket(method: string): TokenBucket | undefined {
    const limit = this.options.methodLimits?.[method];
    if (!limit) return undefined;
    let bucket = this.methodBuckets.get(method);
    if (!bucket) {
      bucket = new TokenBucket(limit.perMinute / 60, limit.burst ?? 1, performance.now());
      this.methodBuckets.set(method, bucket);
    }
    return bucket;
  }

  /** Returns the post-rate bucket of the `channel` argument's channel; rejected posts spend no token. */
  private bucketFor(args: Args): TokenBucket | undefined {
    const channel = this.workspace.channel(args.string('channel'));
    if (!channel) return undefined;
    let bucket = this.buckets.get(channel.id);
    if (!bucket) {
      const rate = this.options.postsPerSecondPerChannel ?? 1;
      bucket = new TokenBucket(rate, this.options.postBurst ?? 3, performance.now());
      this.buckets.set(channel.id, bucket);
    }
    return bucket;
  }

  private handleResponseUrl(id: string, raw: string, response: ServerResponse): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      this.record('response_url', { body: raw });
      return send(response, 400, { ok: false, error: 'invalid_json' });
    }
    this.record('response_url', body);
    const result = applyResponseUrl(this.workspace.responseUrls.get(id), body, this.env);
    send(response, result.status, result.body);
  }
}

/** Returns the token of a Web API call: the `Authorization: Bearer` header, else the `token` argument. */
function requestToken(request: IncomingMessage, args: Record<string, unknown>): string | undefined {
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  return bearer ?? (typeof args.token === 'string' ? args.token : undefined);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Parses a JSON or form-encoded body; WebClient sends forms, `fetch`-based callers often JSON. */
function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.startsWith('application/json')) {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function send(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function sendRateLimited(response: ServerResponse, retryAfterSeconds: number): void {
  response.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) });
  response.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
}
