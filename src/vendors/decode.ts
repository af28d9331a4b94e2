import { parse as parseYaml } from 'yaml';
import { NoticeFormatError, type NoticeDocument } from './types.js';

interface Repair {
  description: string;
  apply(text: string): string | null;
}

// Vendors publish samples that are almost JSON. Each repair fixes one such mistake seen in
// published documentation. Repairs run only after a strict parse fails, and the note names the ones used.
const CLEANUPS: Repair[] = [
  { description: 'nothing removed', apply: (text) => text },
  {
    description: 'removing trailing commas and elided "..." lines',
    apply: (text) => {
      const cleaned = text.replace(/^\s*(\.\.\.|…),?\s*$/gm, '').replace(/,(\s*[}\]])/g, '$1');
      return cleaned === text ? null : cleaned;
    },
  },
];

const WRAPS: Repair[] = [
  { description: '', apply: (text) => text },
  {
    // `[ "Events": [...] ]`: an array that contains a member, as in the EC2 user guide's CLI samples.
    description: 'replacing the outer brackets with braces',
    apply: (text) => (/^\[\s*"[^"]*"\s*:/.test(text) && text.endsWith(']') ? `{${text.slice(1, -1)}}` : null),
  },
  {
    // `"Upcoming maintenance": {...}`: a labelled member without its enclosing object.
    description: 'wrapping the labelled member in braces',
    apply: (text) => (/^"[^"]*"\s*:/.test(text) ? `{${text}}` : null),
  },
];

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function repairJson(text: string): { value: unknown; note: string } | null {
  const strict = tryJson(text);
  if (strict.ok) return { value: strict.value, note: '' };
  if (!/^[[{"]/.test(text)) return null;
  for (const cleanup of CLEANUPS) {
    const cleaned = cleanup.apply(text);
    if (cleaned === null) continue;
    for (const wrap of WRAPS) {
      if (cleanup === CLEANUPS[0] && wrap === WRAPS[0]) continue;
      const wrapped = wrap.apply(cleaned.trim());
      if (wrapped === null) continue;
      const parsed = tryJson(wrapped);
      if (!parsed.ok) continue;
      const steps = [cleanup === CLEANUPS[0] ? '' : cleanup.description, wrap.description].filter(Boolean);
      return { value: parsed.value, note: `the notice is not valid JSON (${strict.error}); read it after ${steps.join(' and ')}` };
    }
  }
  return null;
}

// Accepts mapping or list lines only. Free text such as "Scheduled: Fri, 06 Dec ..." has spaces or
// periods in what would be its keys, so it is not taken for YAML.
function looksLikeYaml(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (lines[0]?.trim() === '---') return true;
  return lines.length > 1 && lines.every((line) => /^\s*(- |[\w.\-/"']+:(\s|$))/.test(line));
}

function decodeText(raw: string): NoticeDocument {
  const text = raw.replace(/^\uFEFF/, '');
  const trimmed = text.trim();
  if (trimmed === '') throw new NoticeFormatError('the notice is empty: send a notice document in the body');
  const json = repairJson(trimmed);
  if (json) return { text, value: json.value, syntax: 'json', notes: json.note ? [json.note] : [] };
  if (looksLikeYaml(trimmed)) {
    try {
      return { text, value: parseYaml(trimmed) as unknown, syntax: 'yaml', notes: [] };
    } catch {
      // Not YAML after all; the text detectors still see it.
    }
  }
  return { text, value: undefined, syntax: 'text', notes: [] };
}

/** Decodes a notice given as text (JSON, almost-JSON, YAML or plain text) or as an already parsed value. */
export function decodeNotice(document: unknown): NoticeDocument {
  if (typeof document === 'string') return decodeText(document);
  if (document instanceof Uint8Array) return decodeText(Buffer.from(document).toString('utf8'));
  if (document === undefined || document === null) {
    throw new NoticeFormatError('the notice is empty: send a notice document in the body');
  }
  return { text: null, value: document, syntax: 'value', notes: [] };
}

/** Returns the value as a plain object, or null for arrays, primitives and null. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Returns the string, or null when the value is absent or not a string. */
export function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Returns the document's text, trimmed, or the empty string when it arrived as a parsed value. */
export function documentText(document: NoticeDocument): string {
  return (document.text ?? '').trim();
}
