import type { WebClient } from '@slack/web-api';
import type { PitstopContext } from '../context.js';

/** Thrown by a subcommand when its arguments are malformed; the caller sees `usage`, only to them. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface SubcommandInput {
  ctx: PitstopContext;
  /** Arguments after the subcommand name, split on whitespace. */
  args: string[];
  userId: string;
  channelId: string;
  triggerId: string;
  /** Web API client for calls that cannot wait for the outbox, such as views.open within the trigger's 3 s. */
  client: WebClient;
}

export interface SubcommandReply {
  text: string;
  blocks?: unknown[];
  /** Defaults to ephemeral: only the caller sees it. */
  inChannel?: boolean;
}

/** One `/pitstop NAME ...` subcommand. */
export interface Subcommand {
  name: string;
  /** One usage line per form, such as `ack ID`. */
  usage: string[];
  summary: string;
  run(input: SubcommandInput): Promise<SubcommandReply>;
}
