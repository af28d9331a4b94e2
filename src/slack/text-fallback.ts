import type { MessagePayload } from '../store/outbox.js';
import { classifySlackError } from './slack-errors.js';

/**
 * Slack errors of chat.postMessage and chat.update about what a message contains: its blocks, attachments
 * or length. The same message as plain text avoids them.
 */
const CONTENT_ERRORS = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_too_long',
  'invalid_attachments',
  'too_many_attachments',
]);

/** Characters of text a fallback keeps; Slack truncates `text` above 40,000 and advises at most 4,000. */
const FALLBACK_TEXT_CHARS = 3500;

/** Returns the error name and detail when a failed call was rejected for its content, or undefined. */
export function contentRejection(error: unknown): { name: string; description: string } | undefined {
  const failure = classifySlackError(error);
  const name = failure.description.split(':')[0]!;
  return CONTENT_ERRORS.has(name) ? { name, description: failure.description } : undefined;
}

/**
 * Returns the payload as plain text, cut to a length Slack takes, with a line that says why. Blocks and
 * attachments are left out; the other options stay.
 */
export function textFallback(payload: MessagePayload, errorName: string): MessagePayload {
  const note = `(shown as text because Slack rejected its layout: ${errorName})`;
  const room = FALLBACK_TEXT_CHARS - note.length - 2;
  const text = payload.text.length > room ? `${payload.text.slice(0, room - 1)}…` : payload.text;
  const options = { ...payload.options };
  delete options.attachments;
  return { text: `${text}\n\n${note}`, options };
}
