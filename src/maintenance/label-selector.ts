/**
 * Kubernetes label selectors, in the string form `kubectl -l` takes: comma-separated requirements of the
 * forms `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`,
 * `key>3` and `key<3`. As in Kubernetes, `!=` and `notin` also match nodes without the label.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */

export type Requirement =
  | { key: string; op: 'exists' | 'not_exists' }
  | { key: string; op: 'in' | 'not_in'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export class LabelSelectorError extends Error {
  constructor(
    readonly selector: string,
    detail: string,
  ) {
    super(`invalid label selector "${selector}": ${detail}`);
    this.name = 'LabelSelectorError';
  }
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(selector: string, key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new LabelSelectorError(selector, `key prefix "${prefix}" must be a DNS subdomain such as nvidia.com`);
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    throw new LabelSelectorError(
      selector,
      `key "${key}" must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
}

function checkValue(selector: string, value: string): void {
  if (value !== '' && (value.length > 63 || !NAME.test(value))) {
    throw new LabelSelectorError(
      selector,
      `value "${value}" must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
}

/** Splits on commas that are not inside parentheses. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (depth < 0) throw new LabelSelectorError(selector, "unbalanced ')'");
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw new LabelSelectorError(selector, "missing ')'");
  parts.push(current.trim());
  return parts;
}

function parseSet(selector: string, key: string, op: 'in' | 'not_in', body: string): Requirement {
  const values = body.split(',').map((value) => value.trim());
  if (values.length === 1 && values[0] === '') {
    throw new LabelSelectorError(selector, `"${key} ${op === 'in' ? 'in' : 'notin'} ()" needs at least one value`);
  }
  values.forEach((value) => checkValue(selector, value));
  return { key, op, values };
}

function parseRequirement(selector: string, text: string): Requirement {
  if (text === '')
    throw new LabelSelectorError(selector, 'empty requirement (two commas in a row, or a trailing comma)');
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (setMatch) {
    const key = setMatch[1]!;
    checkKey(selector, key);
    return parseSet(selector, key, setMatch[2] === 'in' ? 'in' : 'not_in', setMatch[3]!);
  }
  const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(text);
  if (opMatch) {
    const [, key, op, value] = opMatch as unknown as [string, string, string, string];
    checkKey(selector, key);
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value)) throw new LabelSelectorError(selector, `"${key} ${op} ${value}" needs an integer`);
      return { key, op: op === '>' ? 'gt' : 'lt', value: Number(value) };
    }
    checkValue(selector, value);
    return { key, op: op === '!=' ? 'not_in' : 'in', values: [value] };
  }
  const existsMatch = /^(!?)\s*([^\s=!<>(),]+)$/.exec(text);
  if (existsMatch) {
    checkKey(selector, existsMatch[2]!);
    return { key: existsMatch[2]!, op: existsMatch[1] === '!' ? 'not_exists' : 'exists' };
  }
  throw new LabelSelectorError(
    selector,
    `cannot read "${text}": expected key, !key, key=value, key!=value, key in (a,b), key notin (a,b), key>N or key<N`,
  );
}

/** Parses a selector string, or throws a {@link LabelSelectorError} naming the requirement that is wrong. */
export function parseLabelSelector(selector: string): Requirement[] {
  if (selector.trim() === '') throw new LabelSelectorError(selector, 'the selector is empty');
  return splitRequirements(selector).map((text) => parseRequirement(selector, text));
}

function matchesRequirement(requirement: Requirement, labels: Record<string, string>): boolean {
  const value = labels[requirement.key];
  switch (requirement.op) {
    case 'exists':
      return value !== undefined;
    case 'not_exists':
      return value === undefined;
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'not_in':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      return requirement.op === 'gt' ? Number(value) > requirement.value : Number(value) < requirement.value;
    }
  }
}

/** Whether labels satisfy every requirement. */
export function matchesSelector(requirements: readonly Requirement[], labels: Record<string, string>): boolean {
  return requirements.every((requirement) => matchesRequirement(requirement, labels));
}
