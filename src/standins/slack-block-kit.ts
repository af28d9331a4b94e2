/**
 * Block Kit validation as Slack applies it to chat.postMessage, chat.update and views.*. Each violation is
 * reported the way Slack words its `invalid_blocks` errors: a message followed by `[json-pointer:/blocks/…]`.
 * Limits follow Slack's block and element reference pages and the @slack/types definitions.
 */

type Json = Record<string, unknown>;

export type BlockSurface = 'message' | 'modal';

const MAX_BLOCKS: Record<BlockSurface, number> = { message: 50, modal: 100 };

/** Slack's undocumented cap on the text of all blocks of one message: rejected as `msg_blocks_too_long`. */
export const MAX_BLOCK_TEXT_CHARS = 12_000;

const ELEMENT_TYPES = new Set([
  'button',
  'channels_select',
  'checkboxes',
  'conversations_select',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'external_select',
  'file_input',
  'image',
  'multi_channels_select',
  'multi_conversations_select',
  'multi_external_select',
  'multi_static_select',
  'multi_users_select',
  'number_input',
  'overflow',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'static_select',
  'timepicker',
  'url_text_input',
  'users_select',
  'workflow_button',
]);

const STATIC_OPTION_ELEMENTS = new Set(['static_select', 'multi_static_select', 'checkboxes', 'radio_buttons']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects violations; each one names the JSON pointer of the offending value. */
class Violations {
  readonly messages: string[] = [];

  add(pointer: string, message: string): void {
    this.messages.push(`${message} [json-pointer:${pointer}]`);
  }

  maxLength(value: unknown, pointer: string, max: number): void {
    if (typeof value === 'string' && value.length > max) this.add(pointer, `must be less than ${max + 1} characters`);
  }

  optionalString(parent: Json, key: string, pointer: string, max: number): void {
    const value = parent[key];
    if (value === undefined) return;
    if (typeof value !== 'string') this.add(`${pointer}/${key}`, 'must be a string');
    else this.maxLength(value, `${pointer}/${key}`, max);
  }

  /** Checks a text composition object: `{ type: plain_text|mrkdwn, text }`. */
  text(value: unknown, pointer: string, max: number, options: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (value === undefined) {
      if (options.required !== false) this.add(pointer, 'must provide an object');
      return;
    }
    if (!isObject(value)) {
      this.add(pointer, 'must provide an object');
      return;
    }
    const allowed = options.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
      this.add(`${pointer}/type`, `must be one of ${allowed.join(', ')}`);
    }
    if (typeof value.text !== 'string') {
      this.add(`${pointer}/text`, 'must provide a string');
      return;
    }
    if (value.text.length < 1) this.add(`${pointer}/text`, 'must be at least 1 character');
    this.maxLength(value.text, `${pointer}/text`, max);
  }

  array(value: unknown, pointer: string, min: number, max: number): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.add(pointer, 'must provide an array');
      return undefined;
    }
    if (value.length < min) this.add(pointer, `must provide at least ${min} items`);
    if (value.length > max) this.add(pointer, `must provide no more than ${max} items`);
    return value;
  }
}

/**
 * Returns every Block Kit violation in `blocks` (an array already parsed from JSON). An empty list means
 * Slack would accept the blocks; the cumulative text cap is checked separately by {@link blockTextLength}.
 */
export function validateBlocks(blocks: unknown[], surface: BlockSurface, pointer = '/blocks'): string[] {
  const violations = new Violations();
  const max = MAX_BLOCKS[surface];
  if (blocks.length > max) violations.add(pointer, `must provide no more than ${max} items`);
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const at = `${pointer}/${index}`;
    if (!isObject(block)) {
      violations.add(at, 'must provide an object');
      return;
    }
    checkBlockId(block, at, blockIds, violations);
    checkBlock(block, at, violations);
  });
  return violations.messages;
}

function checkBlockId(block: Json, at: string, seen: Set<string>, violations: Violations): void {
  const blockId = block.block_id;
  if (blockId === undefined) return;
  if (typeof blockId !== 'string' || blockId.length < 1) {
    violations.add(`${at}/block_id`, 'must provide a non-empty string');
    return;
  }
  violations.maxLength(blockId, `${at}/block_id`, 255);
  if (seen.has(blockId)) violations.add(`${at}/block_id`, `duplicate block_id "${blockId}": each block needs its own`);
  seen.add(blockId);
}

function checkBlock(block: Json, at: string, violations: Violations): void {
  switch (block.type) {
    case 'section':
      return checkSection(block, at, violations);
    case 'header':
      return violations.text(block.text, `${at}/text`, 150, { plainOnly: true });
    case 'context':
      return checkContext(block, at, violations);
    case 'actions':
      return checkActions(block, at, violations);
    case 'divider':
      return;
    case 'image':
      return checkImage(block, at, violations, true);
    case 'rich_text':
      violations.array(block.elements, `${at}/elements`, 0, Number.MAX_SAFE_INTEGER);
      return;
    case 'markdown':
      if (typeof block.text !== 'string') violations.add(`${at}/text`, 'must provide a string');
      else violations.maxLength(block.text, `${at}/text`, 12_000);
      return;
    case 'input':
      violations.text(block.label, `${at}/label`, 2000, { plainOnly: true });
      violations.text(block.hint, `${at}/hint`, 2000, { plainOnly: true, required: false });
      if (!isObject(block.element)) violations.add(`${at}/element`, 'must provide an object');
      else checkElement(block.element, `${at}/element`, new Set(), violations);
      return;
    case 'table':
      violations.array(block.rows, `${at}/rows`, 1, 100);
      return;
    case 'file':
    case 'video':
      return;
    case undefined:
      violations.add(`${at}/type`, 'missing required field: type');
      return;
    default:
      violations.add(`${at}/type`, `unknown block type "${String(block.type)}"`);
  }
}

function checkSection(block: Json, at: string, violations: Violations): void {
  if (block.text === undefined && block.fields === undefined) {
    violations.add(at, 'must provide either text or fields');
  }
  if (block.text !== undefined) violations.text(block.text, `${at}/text`, 3000);
  if (block.fields !== undefined) {
    const fields = violations.array(block.fields, `${at}/fields`, 1, 10);
    fields?.forEach((field, index) => violations.text(field, `${at}/fields/${index}`, 2000));
  }
  if (block.accessory !== undefined) {
    if (!isObject(block.accessory)) violations.add(`${at}/accessory`, 'must provide an object');
    else checkElement(block.accessory, `${at}/accessory`, new Set(), violations);
  }
}

function checkContext(block: Json, at: string, violations: Violations): void {
  const elements = violations.array(block.elements, `${at}/elements`, 1, 10);
  elements?.forEach((element, index) => {
    const elementAt = `${at}/elements/${index}`;
    if (isObject(element) && element.type === 'image') checkImage(element, elementAt, violations, false);
    else violations.text(element, elementAt, 3000);
  });
}

function checkActions(block: Json, at: string, violations: Violations): void {
  const elements = violations.array(block.elements, `${at}/elements`, 1, 25);
  const actionIds = new Set<string>();
  elements?.forEach((element, index) => {
    const elementAt = `${at}/elements/${index}`;
    if (!isObject(element)) violations.add(elementAt, 'must provide an object');
    else checkElement(element, elementAt, actionIds, violations);
  });
}

function checkImage(image: Json, at: string, violations: Violations, isBlock: boolean): void {
  if (image.image_url === undefined && image.slack_file === undefined) {
    violations.add(`${at}/image_url`, 'must provide either image_url or slack_file');
  }
  violations.optionalString(image, 'image_url', at, 3000);
  if (typeof image.alt_text !== 'string') violations.add(`${at}/alt_text`, 'must provide a string');
  else violations.maxLength(image.alt_text, `${at}/alt_text`, 2000);
  if (isBlock) violations.text(image.title, `${at}/title`, 2000, { plainOnly: true, required: false });
}

function checkElement(element: Json, at: string, actionIds: Set<string>, violations: Violations): void {
  const type = element.type;
  if (typeof type !== 'string' || !ELEMENT_TYPES.has(type)) {
    violations.add(`${at}/type`, `unknown element type "${String(type)}"`);
    return;
  }
  const actionId = element.action_id;
  if (actionId !== undefined) {
    if (typeof actionId !== 'string' || actionId.length < 1) {
      violations.add(`${at}/action_id`, 'must provide a non-empty string');
    } else {
      violations.maxLength(actionId, `${at}/action_id`, 255);
      if (actionIds.has(actionId)) {
        violations.add(`${at}/action_id`, `duplicate action_id "${actionId}" in this block`);
      }
      actionIds.add(actionId);
    }
  }
  if (element.confirm !== undefined) checkConfirm(element.confirm, `${at}/confirm`, violations);
  if (type === 'button') checkButton(element, at, violations);
  else if (type === 'overflow') checkOptions(element.options, `${at}/options`, 1, 5, violations);
  else if (STATIC_OPTION_ELEMENTS.has(type)) checkStaticOptions(element, at, violations);
  if (element.placeholder !== undefined) {
    violations.text(element.placeholder, `${at}/placeholder`, 150, { plainOnly: true });
  }
}

function checkButton(button: Json, at: string, violations: Violations): void {
  violations.text(button.text, `${at}/text`, 75, { plainOnly: true });
  violations.optionalString(button, 'value', at, 2000);
  violations.optionalString(button, 'url', at, 3000);
  violations.optionalString(button, 'accessibility_label', at, 75);
  if (button.style !== undefined && button.style !== 'primary' && button.style !== 'danger') {
    violations.add(`${at}/style`, 'must be one of primary, danger');
  }
}

function checkStaticOptions(element: Json, at: string, violations: Violations): void {
  if (element.option_groups !== undefined) {
    const groups = violations.array(element.option_groups, `${at}/option_groups`, 1, 100);
    groups?.forEach((group, index) => {
      const groupAt = `${at}/option_groups/${index}`;
      if (!isObject(group)) return violations.add(groupAt, 'must provide an object');
      violations.text(group.label, `${groupAt}/label`, 75, { plainOnly: true });
      checkOptions(group.options, `${groupAt}/options`, 1, 100, violations);
    });
    return;
  }
  const max = element.type === 'checkboxes' || element.type === 'radio_buttons' ? 10 : 100;
  checkOptions(element.options, `${at}/options`, 1, max, violations);
}

function checkOptions(options: unknown, at: string, min: number, max: number, violations: Violations): void {
  const list = violations.array(options, at, min, max);
  list?.forEach((option, index) => {
    const optionAt = `${at}/${index}`;
    if (!isObject(option)) return violations.add(optionAt, 'must provide an object');
    violations.text(option.text, `${optionAt}/text`, 75);
    if (typeof option.value !== 'string') violations.add(`${optionAt}/value`, 'must provide a string');
    else violations.maxLength(option.value, `${optionAt}/value`, 75);
    violations.text(option.description, `${optionAt}/description`, 75, { plainOnly: true, required: false });
  });
}

function checkConfirm(confirm: unknown, at: string, violations: Violations): void {
  if (!isObject(confirm)) return violations.add(at, 'must provide an object');
  violations.text(confirm.title, `${at}/title`, 100, { plainOnly: true });
  violations.text(confirm.text, `${at}/text`, 300);
  violations.text(confirm.confirm, `${at}/confirm`, 30, { plainOnly: true });
  violations.text(confirm.deny, `${at}/deny`, 30, { plainOnly: true });
  if (confirm.style !== undefined && confirm.style !== 'primary' && confirm.style !== 'danger') {
    violations.add(`${at}/style`, 'must be one of primary, danger');
  }
}

/** Counts the characters of every `text` string anywhere in the blocks, the measure behind `msg_blocks_too_long`. */
export function blockTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + blockTextLength(item), 0);
  if (!isObject(value)) return 0;
  let total = 0;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'text' && typeof child === 'string') total += child.length;
    else total += blockTextLength(child);
  }
  return total;
}

/** Checks a modal or Home tab view as views.open, views.push and views.update do. */
export function validateView(view: Json): string[] {
  const violations = new Violations();
  const type = view.type;
  if (type !== 'modal' && type !== 'home') {
    violations.add('/view/type', 'must be one of modal, home');
    return violations.messages;
  }
  if (type === 'modal') violations.text(view.title, '/view/title', 24, { plainOnly: true });
  violations.text(view.submit, '/view/submit', 24, { plainOnly: true, required: false });
  violations.text(view.close, '/view/close', 24, { plainOnly: true, required: false });
  violations.optionalString(view, 'private_metadata', '/view', 3000);
  violations.optionalString(view, 'callback_id', '/view', 255);
  violations.optionalString(view, 'external_id', '/view', 255);
  const blocks = violations.array(view.blocks, '/view/blocks', 0, Number.MAX_SAFE_INTEGER);
  if (blocks) {
    violations.messages.push(...validateBlocks(blocks, 'modal', '/view/blocks'));
    const hasInput = blocks.some((block) => isObject(block) && block.type === 'input');
    if (type === 'modal' && hasInput && view.submit === undefined) {
      violations.add('/view/submit', 'must provide submit when the view has an input block');
    }
  }
  return violations.messages;
}
