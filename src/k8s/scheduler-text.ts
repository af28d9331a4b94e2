/**
 * Lexical helpers for scheduler messages. Reason lists are joined with ", " and sentences end with ".",
 * but taints (`{key: value}`), plugin lists (`[NodeAffinity]`), quoted names and parenthesised counts
 * may contain either, so every split skips text inside balanced brackets and double quotes.
 */

const OPENERS: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
const CLOSERS = new Set(['}', ']', ')']);

/**
 * Marks each index of `text` that lies inside a balanced bracket pair or a double-quoted string.
 * Unmatched openers and stray closers mark nothing, so a truncated message still splits.
 */
export function protectedMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  const stack: { char: string; index: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const top = stack[stack.length - 1];
    if (top?.char === '"') {
      if (char === '\\') i++;
      else if (char === '"') markRange(mask, stack.pop()!.index, i);
      continue;
    }
    if (char === '"') stack.push({ char, index: i });
    else if (OPENERS[char] !== undefined) stack.push({ char, index: i });
    else if (CLOSERS.has(char)) {
      const openerIndex = findOpener(stack, char);
      if (openerIndex >= 0) {
        const opener = stack[openerIndex]!;
        stack.length = openerIndex;
        markRange(mask, opener.index, i);
      }
    }
  }
  return mask;
}

function findOpener(stack: { char: string; index: number }[], closer: string): number {
  for (let i = stack.length - 1; i >= 0; i--) {
    const entry = stack[i]!;
    if (entry.char === '"') return -1;
    if (OPENERS[entry.char] === closer) return i;
  }
  return -1;
}

function markRange(mask: Uint8Array, start: number, end: number): void {
  for (let i = start; i <= end; i++) mask[i] = 1;
}

/**
 * Splits `text` at every match of `separator` (a global regular expression) that starts outside
 * brackets and quotes. The separator text itself is dropped; pieces are trimmed and empty ones removed.
 */
export function splitTopLevel(text: string, separator: RegExp): string[] {
  const mask = protectedMask(text);
  const flags = separator.flags.includes('g') ? separator.flags : `${separator.flags}g`;
  const pattern = new RegExp(separator.source, flags);
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index;
    if (mask[index] === 1 || match[0].length === 0) continue;
    pieces.push(text.slice(start, index));
    start = index + match[0].length;
  }
  pieces.push(text.slice(start));
  return pieces.map((piece) => piece.trim()).filter((piece) => piece.length > 0);
}

/** Returns the index of the first match of `pattern` that starts outside brackets and quotes, or -1. */
export function indexOfTopLevel(text: string, pattern: RegExp): { index: number; length: number } | null {
  const mask = protectedMask(text);
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  for (const match of text.matchAll(new RegExp(pattern.source, flags))) {
    if (mask[match.index] !== 1) return { index: match.index, length: match[0].length };
  }
  return null;
}

/**
 * Splits a message body into sentences. A sentence ends at one or more periods followed by
 * whitespace, a comma or the end, so `nvidia.com/gpu` and `1.5` stay whole and the doubled
 * period some kube-scheduler releases print ends one sentence, not two.
 */
export function splitSentences(text: string): string[] {
  return splitTopLevel(text, /\.+(?:\s+|(?=,)|$)/g).map(trimJoiners).filter((sentence) => sentence.length > 0);
}

/** Removes list punctuation (commas, semicolons, periods) and whitespace at both ends. */
export function trimJoiners(text: string): string {
  return text.replace(/^[\s,;]+/, '').replace(/[\s,;.]+$/, '');
}

/**
 * Splits a counted reason list ("3 node(s) were unschedulable, 33 Insufficient nvidia.com/gpu") into
 * its items. A new item starts only where ", " is followed by a count, so reason texts with commas of
 * their own ("had taint {k: v}, that the pod didn't tolerate") stay whole.
 */
export function splitCountedList(text: string): { count: number; text: string }[] {
  return splitTopLevel(text, /,\s+(?=\d+\s+\S)/g).map((piece) => {
    const match = /^(\d+)\s+([\s\S]*)$/.exec(piece);
    return match ? { count: Number(match[1]), text: trimJoiners(match[2]!) } : { count: Number.NaN, text: trimJoiners(piece) };
  });
}

/** Pieces that continue the previous reason when a list of reasons without counts is split at ", ". */
const CONTINUATION = /^(?:that |requested: |used: |capacity: |limited: |current pods |minMember |minReservedPods)/i;

/**
 * Splits a list of reasons without counts, as a per-node failure line or an autoscaler simulation
 * prints it, joining pieces that continue the previous reason.
 */
export function splitReasonList(text: string): string[] {
  const reasons: string[] = [];
  for (const piece of splitTopLevel(text, /,\s+/g)) {
    if (reasons.length > 0 && CONTINUATION.test(piece)) reasons[reasons.length - 1] += `, ${piece}`;
    else reasons.push(piece);
  }
  return reasons.map(trimJoiners).filter((reason) => reason.length > 0);
}

/** Decodes the body of a Go double-quoted string as klog prints it (`err="0/3 nodes ...\"x\"..."`). */
export function unquoteGo(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\"'nrt])/g, (_, escape: string) => {
    if (escape.startsWith('u') || escape.startsWith('x')) return String.fromCharCode(parseInt(escape.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', "'": "'" };
    return simple[escape] ?? escape;
  });
}
