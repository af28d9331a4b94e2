import { createHash } from 'node:crypto';
import type { MessagePayload } from '../store/outbox.js';

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, child]) => child !== undefined)
    .sort(byKey);
  return Object.fromEntries(entries.map(([key, child]) => [key, canonical(child)]));
}

/** Hashes what a message shows (text, blocks, attachments), independent of key order in the JSON. */
export function contentHash(payload: MessagePayload): string {
  const content = { text: payload.text, blocks: payload.blocks ?? null, attachments: payload.options?.attachments ?? null };
  return createHash('sha256').update(JSON.stringify(canonical(content))).digest('hex');
}
