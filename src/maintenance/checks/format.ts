import { parseQuantity } from '../../k8s/views.js';
import type { CheckResult, ValidationCheck } from './types.js';

/** Parses an ISO 8601 time into epoch milliseconds; `null` for a missing or unreadable time. */
export function toMillis(time: string | null | undefined): number | null {
  if (time === null || time === undefined || time === '') return null;
  const value = Date.parse(time);
  return Number.isNaN(value) ? null : value;
}

/** Formats epoch milliseconds as ISO 8601 UTC without milliseconds, such as `2026-03-02T10:15:00Z`. */
export function formatTime(millis: number): string {
  return new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Formats a duration in milliseconds with its two largest units, such as `45s`, `12m`, `3h12m` or `2d4h`. */
export function formatDuration(millis: number): string {
  const seconds = Math.max(0, Math.round(millis / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
}

/** Reads a resource quantity from a map; `null` when the key is absent or the value is not a quantity. */
export function quantity(map: Record<string, string> | null, resource: string): number | null {
  if (map === null) return null;
  const text = map[resource];
  if (text === undefined) return null;
  const value = parseQuantity(text);
  return Number.isNaN(value) ? null : value;
}

/** Builds a check result. */
export function check(name: string, result: CheckResult, evidence: string, reasons: string[] = []): ValidationCheck {
  return { name, result, evidence, reasons: result === 'pass' ? [] : reasons };
}

/** A finding inside a check; {@link combine} folds several into one check. */
export interface Finding {
  result: CheckResult;
  text: string;
  reason?: string;
}

/**
 * Folds findings into one check: it fails if any finding fails, else is unknown if any is unknown. The evidence
 * lists the failing findings first, then the unknown, then the passing ones.
 */
export function combine(name: string, findings: Finding[], emptyEvidence: string): ValidationCheck {
  if (findings.length === 0) return check(name, 'pass', emptyEvidence);
  const order: CheckResult[] = ['fail', 'unknown', 'pass'];
  const sorted = [...findings].sort((a, b) => order.indexOf(a.result) - order.indexOf(b.result));
  const result = sorted[0]!.result;
  const reasons = sorted
    .filter((finding) => finding.result === result && finding.reason !== undefined)
    .map((finding) => finding.reason!);
  const evidence = sorted.map((finding) => finding.text).join('; ');
  return check(name, result, sentence(evidence), [...new Set(reasons)]);
}

/**
 * Ends the text with a period and capitalizes a leading plain word. A leading resource, label or condition name
 * (`nvidia.com/gpu`, `ec2-host-retirement`) keeps its case, because it is an identifier.
 */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capitalized = /^[a-z]+ /.test(trimmed) ? trimmed[0]!.toUpperCase() + trimmed.slice(1) : trimmed;
  return /[.!?]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}

/** Formats a taint as kubectl prints it: `key=value:Effect`, or `key:Effect` without a value. */
export function formatTaint(taint: { key: string; value: string; effect: string }): string {
  return taint.value === '' ? `${taint.key}:${taint.effect}` : `${taint.key}=${taint.value}:${taint.effect}`;
}

/** Joins names as `a`, `a and b`, or `a, b and c`. */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
