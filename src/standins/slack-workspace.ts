/**
 * The state a local Slack workspace keeps: channels with their messages, threads, edits and ephemerals,
 * open views, and the trigger ids and response URLs handed to interactions.
 */

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** One version of a message's content, as posted or edited. */
export interface MessageContent {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

export interface StandInMessage extends MessageContent {
  channel: string;
  ts: string;
  /** Author: the bot's user id, or a person's for messages posted with `postUserMessage`. */
  user: string;
  botId?: string;
  metadata?: MessageMetadata;
  /** Parent's ts for a thread reply. */
  threadTs?: string;
  replyBroadcast: boolean;
  /** Earlier versions, oldest first; the current content is on the message itself. */
  history: MessageContent[];
  editedTs?: string;
  deleted: boolean;
  /** Thread replies' ts, oldest first (parents only). */
  replies: string[];
}

export interface StandInEphemeral extends MessageContent {
  channel: string;
  user: string;
  ts: string;
  threadTs?: string;
  deleted: boolean;
}

export interface StandInChannel {
  id: string;
  name: string;
  messages: Map<string, StandInMessage>;
  /** Top-level messages' ts, oldest first. */
  timeline: string[];
  ephemerals: StandInEphemeral[];
}

export interface StandInView {
  id: string;
  type: 'modal' | 'home';
  user?: string;
  rootViewId: string;
  previousViewId?: string;
  hash: string;
  /** The view as the bot sent it. */
  view: Record<string, unknown>;
}

export interface TriggerGrant {
  issuedAt: number;
  used: boolean;
  user?: string;
  /** The open modal the interaction came from; views.push stacks onto it. */
  viewId?: string;
}

export interface ResponseUrlGrant {
  channel: string;
  user: string;
  /** The message the interaction came from; `replace_original` and `delete_original` act on it. */
  messageTs?: string;
  issuedAt: number;
  uses: number;
}

/** A time source for message timestamps; the stand-in stamps `ts` from it. */
export interface TimeSource {
  now(): Date;
}

/** Channel and view state behind the stand-in's methods. */
export class Workspace {
  readonly channels = new Map<string, StandInChannel>();
  readonly views = new Map<string, StandInView>();
  readonly triggers = new Map<string, TriggerGrant>();
  readonly responseUrls = new Map<string, ResponseUrlGrant>();
  private lastMicros = 0;
  private sequence = 0;

  constructor(
    channels: { id: string; name: string }[],
    private readonly time: TimeSource,
  ) {
    for (const channel of channels) {
      this.channels.set(channel.id, { ...channel, messages: new Map(), timeline: [], ephemerals: [] });
    }
  }

  /** Finds a channel by id, by name, or by `#name`. */
  channel(reference: string | undefined): StandInChannel | undefined {
    if (reference === undefined || reference === '') return undefined;
    const byId = this.channels.get(reference);
    if (byId) return byId;
    const name = reference.startsWith('#') ? reference.slice(1) : reference;
    return [...this.channels.values()].find((channel) => channel.name === name);
  }

  /** Returns a message ts: seconds and microseconds from the time source, strictly increasing. */
  nextTs(): string {
    const micros = Math.max(this.time.now().getTime() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${this.sequence.toString(36).toUpperCase().padStart(8, '0')}`;
  }

  /** Adds a message, top-level or into the thread of `threadTs` (which must be a top-level message). */
  addMessage(channel: StandInChannel, message: Omit<StandInMessage, 'ts' | 'history' | 'deleted' | 'replies'>): StandInMessage {
    const stored: StandInMessage = { ...message, ts: this.nextTs(), history: [], deleted: false, replies: [] };
    channel.messages.set(stored.ts, stored);
    if (stored.threadTs === undefined) channel.timeline.push(stored.ts);
    else channel.messages.get(stored.threadTs)?.replies.push(stored.ts);
    return stored;
  }

  /** Replaces a message's content, keeping the previous version in its history. */
  editMessage(message: StandInMessage, content: MessageContent, metadata?: MessageMetadata): void {
    message.history.push({ text: message.text, blocks: message.blocks, attachments: message.attachments });
    message.text = content.text;
    message.blocks = content.blocks;
    message.attachments = content.attachments;
    if (metadata) message.metadata = metadata;
    message.editedTs = this.nextTs();
  }

  /** Returns the top-level message a thread_ts names; a reply's ts resolves to its parent. */
  threadParent(channel: StandInChannel, threadTs: string): StandInMessage | undefined {
    const message = channel.messages.get(threadTs);
    if (!message || message.deleted) return undefined;
    return message.threadTs === undefined ? message : channel.messages.get(message.threadTs);
  }
}
