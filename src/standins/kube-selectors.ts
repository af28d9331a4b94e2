import { metadataOf, type KubeObject, type ResourceType } from './kube-resources.js';

/** A selector that failed to parse, which the API server rejects with 400 BadRequest. */
export class SelectorError extends Error {}

export type Matcher = (object: KubeObject) => boolean;

const matchAll: Matcher = () => true;

// Field selectors: comma-joined terms `field=value`, `field==value` or `field!=value`. Commas, `=` and backslashes
// inside a value are escaped with a backslash, as in k8s.io/apimachinery/pkg/fields.

/** Splits on commas that no backslash escapes. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let index = 0; index < selector.length; index++) {
    const character = selector[index];
    if (escaped) {
      escaped = false;
    } else if (character === '\\') {
      escaped = true;
    } else if (character === ',') {
      terms.push(selector.slice(start, index));
      start = index + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** Finds the first operator in a term, trying `!=` and `==` before `=` at each position. */
function splitTerm(term: string): { field: string; operator: string; value: string } | null {
  for (let index = 0; index < term.length; index++) {
    for (const operator of ['!=', '==', '=']) {
      if (term.startsWith(operator, index)) {
        return { field: term.slice(0, index), operator, value: term.slice(index + operator.length) };
      }
    }
  }
  return null;
}

function unescapeFieldValue(value: string): string {
  let out = '';
  for (let index = 0; index < value.length; index++) {
    const character = value[index]!;
    if (character === '\\') {
      const next = value[index + 1];
      if (next !== '\\' && next !== ',' && next !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence in value "${value}"`);
      }
      out += next;
      index++;
    } else if (character === ',' || character === '=') {
      throw new SelectorError(`invalid field selector: unescaped "${character}" in value "${value}"`);
    } else {
      out += character;
    }
  }
  return out;
}

/** Parses a field selector for one resource type; unknown fields are rejected as the API server does. */
export function parseFieldSelector(selector: string, resource: ResourceType): Matcher {
  const checks: Matcher[] = [];
  for (const term of splitTerms(selector)) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const read = resource.fields[parts.field];
    if (!read) throw new SelectorError(`field label not supported: ${parts.field}`);
    const value = unescapeFieldValue(parts.value);
    const negate = parts.operator === '!=';
    checks.push((object) => (read(object) === value) !== negate);
  }
  if (checks.length === 0) return matchAll;
  return (object) => checks.every((check) => check(object));
}

// Label selectors: the grammar of k8s.io/apimachinery/pkg/labels, with the same lexer tokens.

type Token =
  | { type: 'identifier'; text: string }
  | { type: 'symbol'; text: '!' | '!=' | '=' | '==' | '(' | ')' | ',' | '>' | '<' }
  | { type: 'keyword'; text: 'in' | 'notin' }
  | { type: 'end'; text: '' };

const SYMBOLS = ['!=', '==', '!', '=', '(', ')', ',', '>', '<'] as const;
const SYMBOL_START = new Set(['!', '=', '(', ')', ',', '>', '<']);

function lex(selector: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < selector.length) {
    const character = selector[index]!;
    if (/\s/.test(character)) {
      index++;
      continue;
    }
    if (SYMBOL_START.has(character)) {
      const symbol = SYMBOLS.find((candidate) => selector.startsWith(candidate, index))!;
      tokens.push({ type: 'symbol', text: symbol });
      index += symbol.length;
      continue;
    }
    let end = index;
    while (end < selector.length && !/\s/.test(selector[end]!) && !SYMBOL_START.has(selector[end]!)) end++;
    const text = selector.slice(index, end);
    tokens.push(text === 'in' || text === 'notin' ? { type: 'keyword', text } : { type: 'identifier', text });
    index = end;
  }
  tokens.push({ type: 'end', text: '' });
  return tokens;
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateLabelKey(key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new SelectorError(`key: Invalid value: "${key}": prefix part must be a lowercase DNS subdomain`);
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    throw new SelectorError(
      `key: Invalid value: "${key}": name part must be at most 63 characters of letters, digits, '-', '_' or '.', ` +
        'starting and ending with a letter or digit',
    );
  }
}

function validateLabelValue(value: string): void {
  if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
    throw new SelectorError(
      `values: Invalid value: "${value}": a label value must be empty or at most 63 characters of letters, ` +
        "digits, '-', '_' or '.', starting and ending with a letter or digit",
    );
  }
}

type Operator = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | '>' | '<';

interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

class LabelParser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private next(): Token {
    return this.tokens[Math.min(this.position++, this.tokens.length - 1)]!;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const token = this.peek();
      if (token.type === 'end') return requirements;
      if (token.type !== 'identifier' && token.text !== '!') {
        throw new SelectorError(`found '${token.text}', expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.requirement());
      const separator = this.next();
      if (separator.type === 'end') return requirements;
      if (separator.text !== ',') {
        throw new SelectorError(`found '${separator.text}', expected: ',' or 'end of string'`);
      }
      const after = this.peek();
      if (after.type !== 'identifier' && after.text !== '!') {
        throw new SelectorError(`found '${after.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let token = this.next();
    const negated = token.text === '!';
    if (negated) token = this.next();
    if (token.type !== 'identifier') throw new SelectorError(`found '${token.text}', expected: identifier`);
    const key = token.text;
    validateLabelKey(key);
    const after = this.peek();
    if (after.type === 'end' || after.text === ',') {
      return { key, operator: negated ? '!exists' : 'exists', values: [] };
    }
    if (negated) throw new SelectorError(`found '${after.text}', expected: ',' or 'end of string'`);
    const operator = this.next();
    switch (operator.text) {
      case 'in':
      case 'notin':
        return { key, operator: operator.text, values: this.valueSet() };
      case '=':
      case '==':
        return { key, operator: '=', values: [this.exactValue()] };
      case '!=':
        return { key, operator: '!=', values: [this.exactValue()] };
      case '>':
      case '<': {
        const value = this.exactValue();
        if (!/^-?\d+$/.test(value)) {
          throw new SelectorError(`for '${operator.text}' operator, the value must be an integer, not "${value}"`);
        }
        return { key, operator: operator.text, values: [value] };
      }
      default:
        throw new SelectorError(`found '${operator.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private exactValue(): string {
    const token = this.peek();
    if (token.type === 'end' || token.text === ',') return '';
    this.next();
    if (token.type !== 'identifier') throw new SelectorError(`found '${token.text}', expected: identifier`);
    validateLabelValue(token.text);
    return token.text;
  }

  /** Reads `(a, b, c)`; empty members between commas are empty values, as in the reference parser. */
  private valueSet(): string[] {
    const open = this.next();
    if (open.text !== '(') throw new SelectorError(`found '${open.text}', expected: '('`);
    const values: string[] = [];
    let expectValue = true;
    for (;;) {
      const token = this.next();
      if (token.type === 'identifier' && expectValue) {
        validateLabelValue(token.text);
        values.push(token.text);
        expectValue = false;
      } else if (token.text === ',') {
        if (expectValue) values.push('');
        expectValue = true;
      } else if (token.text === ')') {
        if (expectValue) values.push('');
        return values;
      } else {
        throw new SelectorError(`found '${token.text}', expected: ',', ')' or identifier`);
      }
    }
  }
}

function matchesRequirement(labels: Record<string, unknown>, requirement: Requirement): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = present ? String(labels[requirement.key]) : undefined;
  switch (requirement.operator) {
    case 'exists':
      return present;
    case '!exists':
      return !present;
    case '=':
      return value === requirement.values[0];
    case '!=':
      return value !== requirement.values[0];
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case '>':
    case '<': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const actual = Number(value);
      const bound = Number(requirement.values[0]);
      return requirement.operator === '>' ? actual > bound : actual < bound;
    }
  }
}

/** Parses a label selector (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`, `>`, `<`), or throws a SelectorError. */
export function parseLabelSelector(selector: string): Matcher {
  let requirements: Requirement[];
  try {
    requirements = new LabelParser(lex(selector)).parse();
  } catch (error) {
    if (error instanceof SelectorError) {
      throw new SelectorError(`unable to parse requirement: ${error.message}`);
    }
    throw error;
  }
  if (requirements.length === 0) return matchAll;
  return (object) => {
    const labels = metadataOf(object).labels;
    const map = labels !== null && typeof labels === 'object' ? (labels as Record<string, unknown>) : {};
    return requirements.every((requirement) => matchesRequirement(map, requirement));
  };
}
