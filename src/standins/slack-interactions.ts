/**
 * Sends slash commands, button clicks and modal submissions to a Bolt HTTP receiver the way Slack does:
 * form-encoded bodies (interactions as one `payload` field of JSON), signed with the app's signing secret.
 * Payload shapes follow the bodies Slack's docs and SDK tests show.
 */
import { createHmac } from 'node:crypto';

export interface SignedRequestOptions {
  /** Seconds since the epoch put in X-Slack-Request-Timestamp; default now. Bolt rejects ones over 5 minutes old. */
  timestampSec?: number;
  /** Sets X-Slack-Retry-Num (and X-Slack-Retry-Reason), as Slack does when it delivers again. */
  retryNum?: number;
  retryReason?: string;
}

export interface InteractionResponse {
  status: number;
  body: string;
  /** The body parsed, when it is JSON. */
  json?: unknown;
}

/** Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`. */
export function slackSignature(signingSecret: string, timestampSec: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/** POSTs a form body signed with `signingSecret`, and returns the receiver's status and body. */
export async function sendSignedForm(
  url: string,
  signingSecret: string,
  form: Record<string, string>,
  options: SignedRequestOptions = {},
): Promise<InteractionResponse> {
  const body = new URLSearchParams(form).toString();
  const timestampSec = options.timestampSec ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': slackSignature(signingSecret, timestampSec, body),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, body: text, json };
}

/** Deprecated verification token Slack still sends in every body; Bolt ignores it in favour of the signature. */
const VERIFICATION_TOKEN = 'unused-verification-token';

export interface SlashCommandInput {
  command: string;
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  teamId: string;
  teamDomain?: string;
  apiAppId?: string;
  triggerId?: string;
  responseUrl?: string;
}

/** Sends a slash command, with the fields of a real command body (`user_name` is deprecated and may be a display name). */
export function sendSlashCommand(
  url: string,
  signingSecret: string,
  input: SlashCommandInput,
  options?: SignedRequestOptions,
): Promise<InteractionResponse> {
  return sendSignedForm(url, signingSecret, slashCommandFields(input), options);
}

/** Builds the fields of a slash command body; Socket Mode carries the same fields as one JSON object. */
export function slashCommandFields(input: SlashCommandInput): Record<string, string> {
  const form: Record<string, string> = {
    token: VERIFICATION_TOKEN,
    team_id: input.teamId,
    team_domain: input.teamDomain ?? 'pitstop',
    channel_id: input.channelId,
    channel_name: input.channelName ?? 'unknown',
    user_id: input.userId,
    user_name: input.userName ?? input.userId,
    command: input.command,
    text: input.text,
    api_app_id: input.apiAppId ?? 'A0PITSTOP',
    is_enterprise_install: 'false',
  };
  if (input.responseUrl !== undefined) form.response_url = input.responseUrl;
  if (input.triggerId !== undefined) form.trigger_id = input.triggerId;
  return form;
}

/** The message a click came from, as Slack includes it in block_actions (absent for ephemeral messages). */
export interface ClickedMessage {
  text: string;
  blocks?: unknown[];
  /** Author of the message; for the bot's own messages its user id. */
  user?: string;
  botId?: string;
  threadTs?: string;
}

export interface BlockActionInput {
  userId: string;
  userName?: string;
  teamId: string;
  teamDomain?: string;
  channelId: string;
  channelName?: string;
  messageTs: string;
  actionId: string;
  blockId: string;
  /** Button value; leave undefined for a button without one (the action then has no `value` key). */
  value?: string;
  /** Button label; default the action id. */
  actionText?: string;
  /** `button` (default), or a menu type such as `static_select` or `overflow`, which send `selected_option`. */
  actionType?: string;
  selectedOption?: { text: string; value: string };
  message?: ClickedMessage;
  /** A click on an ephemeral message carries no `message`, only `container.message_ts`. */
  isEphemeral?: boolean;
  /** Input values in the message, keyed block_id then action_id. */
  stateValues?: Record<string, Record<string, unknown>>;
  apiAppId?: string;
  triggerId?: string;
  responseUrl?: string;
}

function actionTs(): string {
  const micros = Date.now() * 1000;
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function blockAction(input: BlockActionInput): Record<string, unknown> {
  const type = input.actionType ?? 'button';
  const action: Record<string, unknown> = { action_id: input.actionId, block_id: input.blockId, type, action_ts: actionTs() };
  if (type === 'button') {
    action.text = { type: 'plain_text', text: input.actionText ?? input.actionId, emoji: true };
    if (input.value !== undefined) action.value = input.value;
  } else if (input.selectedOption) {
    action.selected_option = { text: { type: 'plain_text', text: input.selectedOption.text, emoji: true }, value: input.selectedOption.value };
  }
  return action;
}

/** Sends a click on a message's button or menu as a block_actions payload. */
export function sendBlockAction(
  url: string,
  signingSecret: string,
  input: BlockActionInput,
  options?: SignedRequestOptions,
): Promise<InteractionResponse> {
  return sendSignedForm(url, signingSecret, { payload: JSON.stringify(blockActionPayload(input)) }, options);
}

/** Builds the block_actions payload of a click, as HTTP sends it in the `payload` field and Socket Mode in the envelope. */
export function blockActionPayload(input: BlockActionInput): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: { id: input.userId, username: input.userName ?? input.userId, name: input.userName ?? input.userId, team_id: input.teamId },
    api_app_id: input.apiAppId ?? 'A0PITSTOP',
    token: VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channelId, is_ephemeral: input.isEphemeral ?? false },
    trigger_id: input.triggerId ?? `${Date.now()}.0.unissued`,
    team: { id: input.teamId, domain: input.teamDomain ?? 'pitstop' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: input.channelName ?? 'unknown' },
    state: { values: input.stateValues ?? {} },
    actions: [blockAction(input)],
  };
  if (!input.isEphemeral) {
    const message = input.message ?? { text: '' };
    payload.message = {
      type: 'message',
      ts: input.messageTs,
      text: message.text,
      ...(message.user !== undefined ? { user: message.user } : {}),
      ...(message.botId !== undefined ? { bot_id: message.botId } : {}),
      ...(message.blocks !== undefined ? { blocks: message.blocks } : {}),
      ...(message.threadTs !== undefined ? { thread_ts: message.threadTs } : {}),
    };
  }
  if (input.responseUrl !== undefined) payload.response_url = input.responseUrl;
  return payload;
}

export interface ViewSubmissionInput {
  userId: string;
  userName?: string;
  teamId: string;
  teamDomain?: string;
  viewId: string;
  callbackId: string;
  /** Input values, keyed block_id then action_id, such as `{ title: { value: { type: 'plain_text_input', value: 'x' } } }`. */
  values: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  hash?: string;
  title?: string;
  blocks?: unknown[];
  apiAppId?: string;
  triggerId?: string;
  /** One entry per conversation-select input that opted into response_url_enabled. */
  responseUrls?: { blockId: string; actionId: string; channelId: string; responseUrl: string }[];
}

/** Sends a modal submission as a view_submission payload. */
export function sendViewSubmission(
  url: string,
  signingSecret: string,
  input: ViewSubmissionInput,
  options?: SignedRequestOptions,
): Promise<InteractionResponse> {
  const payload = {
    type: 'view_submission',
    team: { id: input.teamId, domain: input.teamDomain ?? 'pitstop' },
    user: { id: input.userId, username: input.userName ?? input.userId, name: input.userName ?? input.userId, team_id: input.teamId },
    api_app_id: input.apiAppId ?? 'A0PITSTOP',
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId ?? `${Date.now()}.0.unissued`,
    view: {
      id: input.viewId,
      team_id: input.teamId,
      type: 'modal',
      blocks: input.blocks ?? [],
      private_metadata: input.privateMetadata ?? '',
      callback_id: input.callbackId,
      state: { values: input.values },
      hash: input.hash ?? `${Math.floor(Date.now() / 1000)}.unhashed`,
      title: { type: 'plain_text', text: input.title ?? 'Pitstop' },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel' },
      submit: { type: 'plain_text', text: 'Submit' },
      previous_view_id: null,
      root_view_id: input.viewId,
      app_id: input.apiAppId ?? 'A0PITSTOP',
      external_id: '',
      app_installed_team_id: input.teamId,
      bot_id: 'B0PITSTOP',
    },
    response_urls: (input.responseUrls ?? []).map((entry) => ({
      block_id: entry.blockId,
      action_id: entry.actionId,
      channel_id: entry.channelId,
      response_url: entry.responseUrl,
    })),
    is_enterprise_install: false,
  };
  return sendSignedForm(url, signingSecret, { payload: JSON.stringify(payload) }, options);
}
