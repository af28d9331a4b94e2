/**
 * The Socket Mode side of the Slack stand-in. `apps.connections.open` takes the app-level token and returns
 * a single-use loopback WebSocket URL. The WebSocket server greets each connection with `hello`, and tests
 * push envelopes through it and read the client's acks. Message shapes follow Slack's Socket Mode docs and
 * what @slack/socket-mode 2.0 parses: `hello` and `disconnect` control messages, and envelopes with
 * `envelope_id`, `type`, `payload`, `accepts_response_payload` and, on redeliveries, `retry_attempt` and
 * `retry_reason`. The client acks with `{ envelope_id, payload }`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { blockActionPayload, type BlockActionInput, slashCommandFields, type SlashCommandInput } from './slack-interactions.js';

/** The Web API method that hands out WebSocket URLs. */
export const CONNECTIONS_OPEN_METHOD = 'apps.connections.open';
/** Path of the WebSocket endpoint, as in Slack's `wss://wss-primary.slack.com/link/?ticket=…` URLs. */
export const SOCKET_PATH = '/link/';
/** Slack's limit on an envelope's ack, the same 3 seconds as over HTTP. */
export const ACK_TIMEOUT_MS = 3000;
/** Slack's limit on open WebSocket connections per app; one more gets `too_many_websockets`. */
export const MAX_CONNECTIONS = 10;

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

/** Reasons Slack gives in a `disconnect` message; `warning` announces a coming refresh. */
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled' | 'too_many_websockets';

/** One envelope as sent on the socket. */
export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

/** One message the client sent: an ack names its envelope and may carry a response payload. */
export interface SocketAck {
  envelopeId: string;
  /** The ack's `payload`; @slack/socket-mode always sends one, `{}` when the listener acked with nothing. */
  payload?: Record<string, unknown>;
  /** Sequence number of the connection it arrived on, from 1. */
  connection: number;
}

export interface SendEnvelopeOptions {
  /** Marks a redelivery: Slack counts attempts from 1. */
  retryAttempt?: number;
  /** Free text such as `timeout`; default `timeout` when `retryAttempt` is set. */
  retryReason?: string;
  /** Default true for slash commands, false for interactive and events_api envelopes. */
  acceptsResponsePayload?: boolean;
  /** How long to wait for the ack; default {@link ACK_TIMEOUT_MS}. */
  ackTimeoutMs?: number;
}

/** The WebSocket half of the stand-in, as tests see it. */
export interface SocketModeStandIn {
  /** Every envelope sent, in order. */
  readonly envelopes: readonly SocketEnvelope[];
  /** Every `hello` and `disconnect` message sent, in order. */
  readonly controlMessages: readonly Record<string, unknown>[];
  /** Every ack received, in order, including ones for unknown envelopes. */
  readonly acks: readonly SocketAck[];
  /** Connections accepted since the start, closed ones included. */
  readonly connectionCount: number;
  /** Connections open now. */
  readonly openConnections: number;
  /**
   * Sends an envelope on the newest open connection and resolves with the client's ack. Rejects when no
   * connection is open, or when no ack arrives within the timeout, as Slack would count the delivery failed.
   */
  sendEnvelope(type: EnvelopeType, payload: Record<string, unknown>, options?: SendEnvelopeOptions): Promise<SocketAck>;
  /**
   * Sends `disconnect` with `reason` on every open connection. @slack/socket-mode 2.0 then closes it and
   * opens a new one. NOTE: the stand-in never closes a connection itself, so a client that ignores the
   * message stays connected.
   */
  disconnect(reason: DisconnectReason): void;
  /** Resolves once `count` connections have been accepted since the start and received `hello`. */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
}

interface PendingAck {
  resolve(ack: SocketAck): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Serves `apps.connections.open` and the WebSocket endpoint behind the stand-in's HTTP server. */
export class SocketModeServer implements SocketModeStandIn {
  readonly envelopes: SocketEnvelope[] = [];
  readonly controlMessages: Record<string, unknown>[] = [];
  readonly acks: SocketAck[] = [];
  connectionCount = 0;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly open = new Map<WebSocket, number>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, PendingAck>();
  private readonly waiters = new Set<() => void>();

  /**
   * @param wsOrigin returns the server's `ws://127.0.0.1:<port>` origin once it listens.
   * @throws Error when `appToken` does not start with `xapp-`, as every app-level token does.
   */
  constructor(
    private readonly tokens: { appToken?: string; botToken: string },
    private readonly appId: string,
    private readonly wsOrigin: () => string,
  ) {
    if (tokens.appToken !== undefined && !tokens.appToken.startsWith('xapp-')) {
      throw new Error(`appToken "${tokens.appToken.slice(0, 5)}…" is not an app-level token: pass one that starts with "xapp-"`);
    }
  }

  get openConnections(): number {
    return this.open.size;
  }

  /** Returns the Web API error for `token` on apps.connections.open, or undefined when it is the app token. */
  authenticate(token: string | undefined): string | undefined {
    if (token === undefined || token === '') return 'not_authed';
    if (token === this.tokens.botToken) return 'not_allowed_token_type';
    return this.tokens.appToken !== undefined && token === this.tokens.appToken ? undefined : 'invalid_auth';
  }

  /** Issues a single-use ticket and returns the apps.connections.open result fields. */
  openConnection(): { url: string } {
    const ticket = randomBytes(16).toString('hex');
    this.tickets.add(ticket);
    return { url: `${this.wsOrigin()}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.appId}` };
  }

  /** Accepts an HTTP upgrade on {@link SOCKET_PATH} with an unused ticket; responds 401 or 404 to anything else. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
    if (url.pathname !== SOCKET_PATH) return rejectUpgrade(socket, '404 Not Found');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) return rejectUpgrade(socket, '401 Unauthorized');
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  sendEnvelope(type: EnvelopeType, payload: Record<string, unknown>, options: SendEnvelopeOptions = {}): Promise<SocketAck> {
    const target = [...this.open.keys()].at(-1);
    if (!target) {
      return Promise.reject(new Error(`no Socket Mode connection is open to send a ${type} envelope: start the app with the app token first`));
    }
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: options.acceptsResponsePayload ?? type === 'slash_commands',
    };
    if (options.retryAttempt !== undefined) {
      envelope.retry_attempt = options.retryAttempt;
      envelope.retry_reason = options.retryReason ?? 'timeout';
    }
    const timeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    const acked = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the ack of ${type} envelope ${envelope.envelope_id}`));
      }, timeoutMs);
      this.pending.set(envelope.envelope_id, { resolve, reject, timer });
    });
    this.envelopes.push(envelope);
    target.send(JSON.stringify(envelope));
    return acked;
  }

  disconnect(reason: DisconnectReason): void {
    for (const ws of this.open.keys()) this.sendControl(ws, { type: 'disconnect', reason, debug_info: { host: 'applink-standin' } });
  }

  waitForConnections(count: number, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.connectionCount >= count) return resolve();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for Socket Mode connection ${count} (${this.connectionCount} so far)`));
      }, timeoutMs);
      const waiter = (): void => {
        if (this.connectionCount < count) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes every connection and rejects the acks still awaited. */
  async close(): Promise<void> {
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`the stand-in closed before envelope ${id} was acked`));
    }
    this.pending.clear();
    for (const ws of this.open.keys()) ws.terminate();
    this.open.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    if (this.open.size >= MAX_CONNECTIONS) {
      this.sendControl(ws, { type: 'disconnect', reason: 'too_many_websockets', debug_info: { host: 'applink-standin' } });
      ws.close(1008, 'too_many_websockets');
      return;
    }
    this.connectionCount += 1;
    const connection = this.connectionCount;
    this.open.set(ws, connection);
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary, connection));
    ws.on('close', () => this.open.delete(ws));
    // A client that vanishes mid-frame raises an error here; its close event follows and cleans up.
    ws.on('error', () => undefined);
    this.sendControl(ws, {
      type: 'hello',
      num_connections: this.open.size,
      debug_info: { host: 'applink-standin', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.appId },
    });
    for (const waiter of [...this.waiters]) waiter();
  }

  private sendControl(ws: WebSocket, message: Record<string, unknown>): void {
    this.controlMessages.push(message);
    ws.send(JSON.stringify(message));
  }

  private receive(data: RawData, isBinary: boolean, connection: number): void {
    const ack = isBinary ? undefined : parseAck(data.toString());
    if (!ack) {
      // A frame that is not an ack is recorded with an empty envelope id, so a test can assert there are none.
      this.acks.push({ envelopeId: '', connection });
      return;
    }
    const recorded: SocketAck = { envelopeId: ack.envelopeId, connection, ...(ack.payload ? { payload: ack.payload } : {}) };
    this.acks.push(recorded);
    const waiting = this.pending.get(ack.envelopeId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(ack.envelopeId);
    waiting.resolve(recorded);
  }
}

function parseAck(text: string): { envelopeId: string; payload?: Record<string, unknown> } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { envelope_id: envelopeId, payload } = parsed as { envelope_id?: unknown; payload?: unknown };
  if (typeof envelopeId !== 'string' || envelopeId === '') return undefined;
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  return isObject ? { envelopeId, payload: payload as Record<string, unknown> } : { envelopeId };
}

function rejectUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Sends a slash command as a `slash_commands` envelope and resolves with the client's ack. */
export function sendSocketSlashCommand(socket: SocketModeStandIn, input: SlashCommandInput, options?: SendEnvelopeOptions): Promise<SocketAck> {
  return socket.sendEnvelope('slash_commands', slashCommandFields(input), options);
}

/** Sends a click as an `interactive` envelope carrying a block_actions payload and resolves with the ack. */
export function sendSocketBlockAction(socket: SocketModeStandIn, input: BlockActionInput, options?: SendEnvelopeOptions): Promise<SocketAck> {
  return socket.sendEnvelope('interactive', blockActionPayload(input), options);
}
