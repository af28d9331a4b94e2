/**
 * Block Kit limits and helpers shared by message builders. The numbers are Slack's published limits
 * (docs.slack.dev Block Kit reference and @slack/types), except `messageTextBudget`: Slack rejects
 * messages with `msg_blocks_too_long` somewhere near 12,000 characters of block text without documenting
 * the exact number, so builders stay under 10,000.
 */
export const LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  blockId: 255,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 75,
  selectOptions: 100,
  messageTextBudget: 10_000,
  /** Slack truncates `text` above 40,000 characters; its docs advise at most 4,000. */
  fallbackText: 4000,
} as const;

/** Counts a noun: `1 node`, `1,024 nodes`. Pass `many` for plurals other than noun + "s". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Shortens `text` to at most `max` characters, ending with an ellipsis when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  return `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Joins items until `maxItems` or `maxChars` is reached, then appends "and N more" (on its own line when the
 * separator is a line break). The result never exceeds `maxChars`, so a list of 5,000 names still fits one block.
 */
export function joinWithMore(items: string[], options: { maxItems: number; maxChars: number; separator?: string }): string {
  const separator = options.separator ?? ', ';
  const moreText = (hidden: number): string => (separator.includes('\n') ? `${separator}and ${hidden} more` : ` and ${hidden} more`);
  const shown: string[] = [];
  let length = 0;
  for (const item of items) {
    if (shown.length >= options.maxItems) break;
    const hiddenAfter = items.length - shown.length - 1;
    const added = (shown.length > 0 ? separator.length : 0) + item.length;
    const suffix = hiddenAfter > 0 ? moreText(hiddenAfter).length : 0;
    if (length + added + suffix > options.maxChars) break;
    shown.push(item);
    length += added;
  }
  const hidden = items.length - shown.length;
  if (hidden === 0) return shown.join(separator);
  if (shown.length === 0) return truncate(plural(hidden, 'item'), options.maxChars);
  return truncate(`${shown.join(separator)}${moreText(hidden)}`, options.maxChars);
}

/** Formats a time for mrkdwn so each reader sees it in their own time zone; the ISO text is the fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return escapeMrkdwn(iso);
  const fallback = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

/** Mentions a Slack user (`U…` or Enterprise Grid `W…` id), or names a non-user actor in bold. */
export function mentionActor(actor: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(actor) ? `<@${actor}>` : `*${escapeMrkdwn(actor)}*`;
}

/** Mentions a Slack user group by id (`S…`). */
export function mentionUserGroup(groupId: string): string {
  return `<!subteam^${groupId}>`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function collectTexts(value: unknown, out: string[]): void {
  if (typeof value === 'string') return;
  if (Array.isArray(value)) {
    for (const entry of value) collectTexts(entry, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, entry] of Object.entries(value as Record<string, Json>)) {
    if (key === 'text' && typeof entry === 'string') out.push(entry);
    else collectTexts(entry, out);
  }
}

/** Sums the length of every `text` string inside the blocks, the measure Slack's cumulative cap applies to. */
export function blockTextLength(blocks: unknown[]): number {
  const texts: string[] = [];
  collectTexts(blocks, texts);
  return texts.reduce((total, text) => total + text.length, 0);
}

interface TextObject {
  type?: string;
  text?: string;
}

function checkText(problems: string[], where: string, text: TextObject | undefined, max: number): void {
  if (text === undefined) return;
  const length = text.text?.length ?? 0;
  if (length === 0) problems.push(`${where}: text is empty`);
  if (length > max) problems.push(`${where}: text has ${length} characters, more than ${max}`);
}

function checkElement(problems: string[], where: string, element: Record<string, unknown>): void {
  const actionId = element.action_id as string | undefined;
  if (actionId !== undefined && actionId.length > LIMITS.actionId) problems.push(`${where}: action_id too long`);
  if (element.type === 'button') {
    checkText(problems, `${where}.text`, element.text as TextObject, LIMITS.buttonText);
    const value = element.value as string | undefined;
    if (value !== undefined && value.length > LIMITS.buttonValue) problems.push(`${where}: value too long`);
  }
  const options = element.options as { text: TextObject; value: string }[] | undefined;
  if (options !== undefined) {
    if (options.length > LIMITS.selectOptions) problems.push(`${where}: ${options.length} options, more than 100`);
    options.forEach((option, index) => {
      checkText(problems, `${where}.options[${index}]`, option.text, LIMITS.optionText);
      if (option.value.length > LIMITS.optionValue) problems.push(`${where}.options[${index}]: value too long`);
    });
  }
}

function checkBlock(problems: string[], block: Record<string, unknown>, index: number): void {
  const where = `blocks[${index}] (${String(block.type)})`;
  const blockId = block.block_id as string | undefined;
  if (blockId !== undefined && blockId.length > LIMITS.blockId) problems.push(`${where}: block_id too long`);
  switch (block.type) {
    case 'header':
      checkText(problems, where, block.text as TextObject, LIMITS.headerText);
      if ((block.text as TextObject | undefined)?.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
      break;
    case 'section': {
      const fields = block.fields as TextObject[] | undefined;
      if (block.text === undefined && fields === undefined) problems.push(`${where}: needs text or fields`);
      checkText(problems, where, block.text as TextObject | undefined, LIMITS.sectionText);
      if (fields !== undefined) {
        if (fields.length > LIMITS.sectionFields) problems.push(`${where}: ${fields.length} fields, more than 10`);
        fields.forEach((field, fieldIndex) => checkText(problems, `${where}.fields[${fieldIndex}]`, field, LIMITS.fieldText));
      }
      break;
    }
    case 'context': {
      const elements = (block.elements as TextObject[] | undefined) ?? [];
      if (elements.length === 0 || elements.length > LIMITS.contextElements) {
        problems.push(`${where}: ${elements.length} elements, expected 1 to 10`);
      }
      elements.forEach((element, elementIndex) =>
        checkText(problems, `${where}.elements[${elementIndex}]`, element, LIMITS.sectionText),
      );
      break;
    }
    case 'actions': {
      const elements = (block.elements as Record<string, unknown>[] | undefined) ?? [];
      if (elements.length === 0 || elements.length > LIMITS.actionsElements) {
        problems.push(`${where}: ${elements.length} elements, expected 1 to 25`);
      }
      const ids = new Set<string>();
      elements.forEach((element, elementIndex) => {
        const actionId = element.action_id as string | undefined;
        if (actionId !== undefined && ids.has(actionId)) problems.push(`${where}: duplicate action_id ${actionId}`);
        if (actionId !== undefined) ids.add(actionId);
        checkElement(problems, `${where}.elements[${elementIndex}]`, element);
      });
      break;
    }
    case 'divider':
      break;
    default:
      problems.push(`${where}: block type not checked by this validator`);
  }
}

/**
 * Lists every way the message breaks a Block Kit limit: block count, per-block text limits, button and
 * option limits, duplicate action ids, the cumulative text budget and an empty or oversized `text`.
 * Returns an empty list for a valid message.
 */
export function checkMessageLimits(message: { text: string; blocks?: unknown[] }): string[] {
  const problems: string[] = [];
  if (message.text.trim() === '') problems.push('text: the fallback text is empty');
  if (message.text.length > LIMITS.fallbackText) {
    problems.push(`text: ${message.text.length} characters, more than ${LIMITS.fallbackText}`);
  }
  const blocks = (message.blocks ?? []) as Record<string, unknown>[];
  if (blocks.length > LIMITS.blocksPerMessage) problems.push(`blocks: ${blocks.length} blocks, more than 50`);
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const blockId = block.block_id as string | undefined;
    if (blockId !== undefined && blockIds.has(blockId)) problems.push(`blocks[${index}]: duplicate block_id ${blockId}`);
    if (blockId !== undefined) blockIds.add(blockId);
    checkBlock(problems, block, index);
  });
  const total = blockTextLength(blocks);
  if (total > LIMITS.messageTextBudget) problems.push(`blocks: ${total} characters of text, more than ${LIMITS.messageTextBudget}`);
  return problems;
}
