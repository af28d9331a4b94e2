import { createHash } from 'node:crypto';
import type { MessagePayload } from '../store/outbox.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, child]) => child !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, child]) => [key, canonical(child)]));
}

/** Hashes what a message shows (text, blocks, attachments), independent of key order in the JSON. */
export function contentHash(payload: MessagePayload): string {
  const shown = { text: payload.text, blocks: payload.blocks ?? null, attachments: payload.options?.attachments ?? null };
  return createHash('sha256').update(JSON.stringify(canonical(shown))).digest('hex');
}
