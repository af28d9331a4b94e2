import type { SlackStandIn, StandInEphemeral, StandInMessage } from './slack-api.js';

export interface RenderOptions {
  /** Channels to show, by name (with or without `#`) or id, in this order; default every channel. */
  channelNames?: string[];
  /** Also list ephemeral messages, each marked with the one user who sees it; default false. */
  showEphemerals?: boolean;
}

type Json = Record<string, unknown>;

const INDENT = '  ';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Renders what each channel of the stand-in shows now, as plain text: every top-level message in its
 * latest version with its blocks turned into lines (buttons as `[Acknowledge]`), and its thread replies
 * indented below it.
 */
export function renderChannels(standIn: SlackStandIn, options: RenderOptions = {}): string {
  const selected = options.channelNames ?? standIn.channels.map((channel) => channel.name);
  const sections = selected.map((reference) => {
    const name = reference.replace(/^#/, '');
    const channel = standIn.channels.find((candidate) => candidate.name === name || candidate.id === name);
    if (!channel) return `#${name}\n${INDENT}(not a channel of this stand-in)\n`;
    return renderChannel(standIn, channel, options);
  });
  return sections.join('\n');
}

function renderChannel(standIn: SlackStandIn, channel: { id: string; name: string }, options: RenderOptions): string {
  const lines = [`#${channel.name} (${channel.id})`];
  const messages = standIn.messages(channel.id);
  if (messages.length === 0) lines.push(`${INDENT}(no messages)`);
  for (const message of messages) {
    lines.push(...renderMessage(standIn, message, INDENT));
    const replies = standIn.thread(channel.id, message.ts);
    if (replies.length === 0) continue;
    lines.push(`${INDENT}${INDENT}↳ ${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`);
    for (const reply of replies) lines.push(...renderMessage(standIn, reply, INDENT.repeat(3)));
  }
  if (options.showEphemerals) {
    for (const ephemeral of standIn.ephemerals(channel.id)) lines.push(...renderEphemeral(standIn, ephemeral));
  }
  return `${lines.join('\n')}\n`;
}

function clockTime(ts: string): string {
  return new Date(Number(ts.split('.')[0]) * 1000).toISOString().slice(11, 19);
}

function renderMessage(standIn: SlackStandIn, message: StandInMessage, indent: string): string[] {
  const notes: string[] = [];
  if (message.history.length > 0) notes.push(`edited ${message.history.length}×`);
  if (message.replyBroadcast) notes.push('also sent to the channel');
  const author = standIn.userName(message.user) ?? message.user;
  const head = `${indent}${clockTime(message.ts)}  ${author}${notes.length > 0 ? `  (${notes.join(', ')})` : ''}`;
  return [head, ...contentLines(standIn, message).map((line) => `${indent}${INDENT}${line}`)];
}

function renderEphemeral(standIn: SlackStandIn, ephemeral: StandInEphemeral): string[] {
  const user = standIn.userName(ephemeral.user) ?? ephemeral.user;
  const head = `${INDENT}${clockTime(ephemeral.ts)}  pitstop  (only @${user} sees this)`;
  return [head, ...contentLines(standIn, ephemeral).map((line) => `${INDENT}${INDENT}${line}`)];
}

/** Renders a message's blocks, or its mrkdwn text when it has none, as plain-text lines without indentation. */
export function contentLines(standIn: SlackStandIn, content: { text: string; blocks?: unknown[] }): string[] {
  if (!content.blocks || content.blocks.length === 0) return plainText(standIn, content.text).split('\n');
  return content.blocks.flatMap((block) => (isObject(block) ? blockLines(standIn, block) : []));
}

function textOf(standIn: SlackStandIn, value: unknown): string {
  if (!isObject(value) || typeof value.text !== 'string') return '';
  return value.type === 'mrkdwn' ? plainText(standIn, value.text) : value.text;
}

function blockLines(standIn: SlackStandIn, block: Json): string[] {
  switch (block.type) {
    case 'header':
      return [`# ${textOf(standIn, block.text)}`];
    case 'section':
      return sectionLines(standIn, block);
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      const parts = elements.map((element) =>
        isObject(element) && element.type === 'image' ? `[${String(element.alt_text ?? 'image')}]` : textOf(standIn, element),
      );
      return [parts.join(' · ')];
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      return [elements.map((element) => elementText(standIn, element)).join(' ')];
    }
    case 'divider':
      return ['────────'];
    case 'image':
      return [`[image: ${String(block.alt_text ?? '')}]`];
    case 'markdown':
      return String(block.text ?? '').split('\n');
    case 'rich_text':
      return [richText(block.elements)];
    case 'input':
      return [`${textOf(standIn, block.label)}: ${elementText(standIn, block.element)}`];
    case 'table':
      return (Array.isArray(block.rows) ? block.rows : []).map((row) =>
        (Array.isArray(row) ? row : []).map((cell) => (isObject(cell) ? richText(cell.elements ?? cell.text) : '')).join(' | '),
      );
    default:
      return [`[${String(block.type)} block]`];
  }
}

function sectionLines(standIn: SlackStandIn, block: Json): string[] {
  const lines: string[] = [];
  if (block.text !== undefined) lines.push(...textOf(standIn, block.text).split('\n'));
  const fields = Array.isArray(block.fields) ? block.fields.map((field) => textOf(standIn, field).replace(/\n/g, ' ')) : [];
  for (let i = 0; i < fields.length; i += 2) lines.push(fields.slice(i, i + 2).join('    '));
  if (block.accessory !== undefined) lines.push(elementText(standIn, block.accessory));
  return lines;
}

function elementText(standIn: SlackStandIn, element: unknown): string {
  if (!isObject(element)) return '';
  switch (element.type) {
    case 'button':
      return `[${textOf(standIn, element.text)}]`;
    case 'overflow':
      return '[⋯]';
    case 'image':
      return `[image: ${String(element.alt_text ?? '')}]`;
    default: {
      const label = textOf(standIn, element.placeholder) || textOf(standIn, (element.initial_option as Json | undefined)?.text);
      return `[${label || String(element.type)} ▾]`;
    }
  }
}

/** Flattens rich_text elements (sections, lists, quotes) to their text. */
function richText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(richText).join('');
  if (!isObject(value)) return '';
  if (typeof value.text === 'string') return value.text;
  if (value.type === 'user') return `@${String(value.user_id)}`;
  if (value.type === 'link') return String(value.text ?? value.url ?? '');
  return richText(value.elements);
}

/** Turns Slack mrkdwn's escapes and `<…>` references into readable text. */
export function plainText(standIn: SlackStandIn, text: string): string {
  const replaced = text.replace(/<([^<>]+)>/g, (_match, inner: string) => reference(standIn, inner));
  return replaced.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function reference(standIn: SlackStandIn, inner: string): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@')) return `@${label ?? standIn.userName(target.slice(1)) ?? target.slice(1)}`;
  if (target.startsWith('#')) return `#${label ?? standIn.channelName(target.slice(1)) ?? target.slice(1)}`;
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = label?.replace(/^@/, '') ?? standIn.userGroupHandle(id) ?? id;
    return `@${handle}`;
  }
  if (target.startsWith('!date^')) return label ?? target;
  if (target.startsWith('!')) return `@${target.slice(1)}`;
  return label ? `${label} (${target})` : target;
}
