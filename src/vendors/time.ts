/**
 * Time and duration readers for vendor notices. Each time reader returns ISO 8601 UTC or null, and appends a
 * warning naming the field and the value when the value is present but cannot be read. An empty string
 * reads as null without a warning, because Azure blanks `NotBefore` once an event starts.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Weekday optional and ignored: published samples carry weekdays that do not match the date, and the
// vendors' own agents (Go time.Parse, Python email.utils) do not check it.
const RFC1123 =
  /^(?:[a-z]{3,9},?\s+)?(\d{1,2})\s+([a-z]{3,9})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(gmt|utc|ut|z|[+-]\d{4})$/i;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

// Same shape with one-digit fields allowed, to say what is wrong with a near miss.
const LOOSE_3339 = /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** Formats epoch milliseconds as ISO 8601 UTC, without milliseconds when they are zero. */
export function formatUtc(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('.000Z', 'Z');
}

function utcMilliseconds(parts: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}): number | null {
  const { year, month, day, hour, minute, second } = parts;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return null;
  const milliseconds = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 31 Feb over to March; a date that does not round-trip does not exist.
  if (new Date(milliseconds).getUTCDate() !== day) return null;
  return milliseconds;
}

function offsetMinutes(zone: string): number {
  if (/^(gmt|utc|ut|z)$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** Parses an RFC 1123 time (`Mon, 11 Apr 2026 22:26:58 GMT`, weekday optional) to epoch milliseconds. */
export function parseRfc1123(text: string): number | null {
  const match = RFC1123.exec(text.trim());
  if (!match) return null;
  const month = MONTHS.indexOf(match[2]!.slice(0, 3).toLowerCase()) + 1;
  if (month === 0) return null;
  const local = utcMilliseconds({
    year: Number(match[3]),
    month,
    day: Number(match[1]),
    hour: Number(match[4]),
    minute: Number(match[5]),
    second: Number(match[6] ?? 0),
  });
  return local === null ? null : local - offsetMinutes(match[7]!) * 60_000;
}

/** Parses an RFC 3339 time (`2024-11-01T19:00:00Z`, `...+00:00`, fractions allowed) to epoch milliseconds. */
export function parseRfc3339(text: string): number | null {
  const match = RFC3339.exec(text.trim());
  if (!match) return null;
  const local = utcMilliseconds({
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4]),
    minute: Number(match[5]),
    second: Number(match[6]),
  });
  if (local === null) return null;
  const fraction = match[7] ? Math.round(Number(`0${match[7]}`) * 1000) : 0;
  return local + fraction - offsetMinutes(match[8]!) * 60_000;
}

function near3339Problem(text: string): string {
  const match = LOOSE_3339.exec(text.trim());
  if (!match) return '';
  const fields: [string, string][] = [
    ['month', match[2]!],
    ['day', match[3]!],
    ['hour', match[4]!],
    ['minute', match[5]!],
    ['second', match[6]!],
  ];
  const short = fields.find(([, value]) => value.length === 1);
  if (short) return ` (single-digit ${short[0]})`;
  if (match[8] === undefined) return ' (no time zone)';
  return '';
}

type TimeForm = 'RFC 1123' | 'RFC 3339';

/**
 * Reads a time field. Both RFC 1123 and RFC 3339 are accepted, because both are unambiguous.
 * `expected` is the form the vendor documents, which a warning names.
 */
export function readTime(field: string, value: unknown, expected: TimeForm, warnings: string[]): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    warnings.push(`${field} ${JSON.stringify(value)} is not a time string`);
    return null;
  }
  const milliseconds = parseRfc3339(value) ?? parseRfc1123(value);
  if (milliseconds !== null) return formatUtc(milliseconds);
  const detail = expected === 'RFC 3339' ? near3339Problem(value) : '';
  warnings.push(`${field} '${value}' is not an ${expected} time${detail}`);
  return null;
}

/** Reads Unix epoch seconds given as a number or a decimal string. */
export function readEpochSeconds(field: string, value: unknown, warnings: string[]): string | null {
  if (value === undefined || value === null || value === '') return null;
  const text = String(value).trim();
  if (!/^\d{1,12}$/.test(text)) {
    warnings.push(`${field} '${text}' is not Unix epoch seconds`);
    return null;
  }
  return formatUtc(Number(text) * 1000);
}

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Reads an ISO 8601 duration (`P1D`, `PT4H30M`) as seconds. Years and months have no fixed length, so a
 * duration that uses them reads as null with a warning.
 */
export function readIsoDuration(field: string, value: unknown, warnings: string[]): number | null {
  if (value === undefined || value === null || value === '') return null;
  const text = String(value).trim();
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    warnings.push(`${field} '${text}' is not an ISO 8601 duration`);
    return null;
  }
  if (match[1] !== undefined || match[2] !== undefined) {
    warnings.push(`${field} '${text}' counts years or months, which have no fixed length in seconds`);
    return null;
  }
  const [weeks, days, hours, minutes, seconds] = [3, 4, 5, 6, 7].map((index) => Number(match[index] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return Math.round((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds);
}

/** Adds seconds to an ISO 8601 UTC time. */
export function addSeconds(iso: string, seconds: number): string {
  return formatUtc(Date.parse(iso) + seconds * 1000);
}
