import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The scheduler message corpus kept with the tests. The path is resolved from this file, two levels below the
 * repository root in both `src/bench` and `dist/bench`, so the bench reads it from a checkout at run time.
 */
export const SCHEDULER_CORPUS = fileURLToPath(new URL('../../test/fixtures/scheduler-messages.jsonl', import.meta.url));

/** Reads the `message` field of every line of a scheduler message corpus file (JSON lines). */
export function readSchedulerMessages(path = SCHEDULER_CORPUS): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the scheduler message corpus ${path}: ${(error as Error).message}; run the bench from a checkout of the repository`);
  }
  const messages: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: { message?: unknown };
    try {
      entry = JSON.parse(line) as { message?: unknown };
    } catch (error) {
      throw new Error(`${path}:${index + 1}: invalid JSON: ${(error as Error).message}`);
    }
    if (typeof entry.message !== 'string') throw new Error(`${path}:${index + 1}: the entry has no string "message" field`);
    messages.push(entry.message);
  });
  if (messages.length === 0) throw new Error(`${path} contains no messages`);
  return messages;
}
