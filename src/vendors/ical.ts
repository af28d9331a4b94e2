import type { Vendor } from '../config/schema.js';
import { makeEvent, makeReading, uniqueStrings } from './events.js';
import { formatUtc, readIsoDuration } from './time.js';
import { EVENT_KINDS, type EventKind, type EventStatus, type NoticeReading, type VendorEvent } from './types.js';

/**
 * Reader for iCalendar maintenance feeds (RFC 5545). Each VEVENT becomes one event: UID is the event id,
 * DTSTART and DTEND (or DTSTART plus DURATION) the window, SUMMARY the description, RESOURCES the
 * machines, STATUS the status. The kind comes from CATEGORIES, else from the first kind word in SUMMARY.
 * @see https://www.rfc-editor.org/rfc/rfc5545
 */
export const ICAL_FORMAT = 'ical';

interface ContentLine {
  name: string;
  params: Record<string, string>;
  value: string;
}

/** Joins folded lines: a line break followed by a space or tab continues the previous line. */
function unfold(text: string): string[] {
  return text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter((line) => line !== '');
}

function parseLine(line: string): ContentLine | null {
  // The value starts at the first colon outside a quoted parameter value.
  let quoted = false;
  let colon = -1;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === '"') quoted = !quoted;
    else if (char === ':' && !quoted) {
      colon = index;
      break;
    }
  }
  if (colon === -1) return null;
  const [name, ...rawParams] = line.slice(0, colon).split(';');
  const params: Record<string, string> = {};
  for (const param of rawParams) {
    const equals = param.indexOf('=');
    if (equals > 0) params[param.slice(0, equals).toUpperCase()] = param.slice(equals + 1).replace(/^"|"$/g, '');
  }
  return { name: name!.toUpperCase(), params, value: line.slice(colon + 1) };
}

/** Undoes TEXT escaping (`\,` `\;` `\n` `\\`). */
function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, char: string) => (char === 'n' || char === 'N' ? '\n' : char));
}

/** Splits a TEXT list on unescaped commas and unescapes each item. */
function textList(value: string): string[] {
  return value.split(/(?<!\\),/).map((item) => unescapeText(item).trim());
}

/** Milliseconds between UTC and the zone's wall clock at an instant. */
function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - instant;
}

/** Converts a wall-clock time in an IANA zone to UTC; around a DST change the offset is checked twice. */
function zonedToUtc(wallClock: number, zone: string): number {
  const first = wallClock - zoneOffset(wallClock, zone);
  const second = wallClock - zoneOffset(first, zone);
  return second;
}

interface DateValue {
  milliseconds: number;
  allDay: boolean;
}

/**
 * Reads DATE (`20260301`) and DATE-TIME values: UTC (`...T020000Z`), with a TZID parameter, or floating
 * (no zone, read as UTC with a warning). All-day dates read as midnight UTC.
 */
function readDate(line: ContentLine, warnings: string[]): DateValue | null {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(line.value.trim());
  if (!match) {
    warnings.push(`${line.name} '${line.value}' is not an iCalendar date or date-time`);
    return null;
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((index) => Number(match[index] ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second);
  if (match[4] === undefined) return { milliseconds: wallClock, allDay: true };
  if (match[7] === 'Z') return { milliseconds: wallClock, allDay: false };
  const zone = line.params.TZID;
  if (zone === undefined) {
    warnings.push(`${line.name} '${line.value}' has no time zone; read as UTC`);
    return { milliseconds: wallClock, allDay: false };
  }
  try {
    return { milliseconds: zonedToUtc(wallClock, zone), allDay: false };
  } catch {
    warnings.push(`${line.name} time zone '${zone}' is not an IANA time zone name`);
    return null;
  }
}

const STATUSES: Record<string, EventStatus> = { TENTATIVE: 'scheduled', CONFIRMED: 'scheduled', CANCELLED: 'cancelled' };

// Word stems that name each kind, matched at the start of a word in SUMMARY or CATEGORIES.
const KIND_WORDS: [RegExp, EventKind][] = [
  [/\breboot|\brestart/i, 'reboot'],
  [/\bredeploy/i, 'redeploy'],
  [/\bfreez/i, 'freeze'],
  [/\bpreempt/i, 'preempt'],
  [/\bterminat/i, 'terminate'],
  [/\bmigrat/i, 'migrate'],
  [/\bretire/i, 'retirement'],
  [/\bstop/i, 'stop'],
];

function kindOf(categories: string[], summary: string): EventKind {
  const listed = categories.map((category) => category.toLowerCase()).find((category) =>
    (EVENT_KINDS as readonly string[]).includes(category),
  );
  if (listed !== undefined) return listed as EventKind;
  return KIND_WORDS.find(([pattern]) => pattern.test(summary))?.[1] ?? 'unknown';
}

function readVevent(lines: ContentLine[], vendor: Vendor, calendarCancelled: boolean): VendorEvent {
  const warnings: string[] = [];
  const first = (name: string): ContentLine | undefined => lines.find((line) => line.name === name);
  const all = (name: string): ContentLine[] => lines.filter((line) => line.name === name);

  const startLine = first('DTSTART');
  const start = startLine ? readDate(startLine, warnings) : null;
  const endLine = first('DTEND');
  let end = endLine ? readDate(endLine, warnings) : null;
  const durationLine = first('DURATION');
  if (!endLine && start) {
    const seconds = durationLine ? readIsoDuration('DURATION', durationLine.value, warnings) : start.allDay ? 86_400 : null;
    if (seconds !== null) end = { milliseconds: start.milliseconds + seconds * 1000, allDay: start.allDay };
  }
  if (first('RRULE')) warnings.push('RRULE is not expanded: only the first occurrence is read');

  const summary = unescapeText(first('SUMMARY')?.value ?? '');
  const categories = all('CATEGORIES').flatMap((line) => textList(line.value));
  const rawStatus = first('STATUS')?.value.toUpperCase();
  let status: EventStatus | undefined = 'scheduled';
  if (calendarCancelled) status = 'cancelled';
  else if (rawStatus !== undefined) status = STATUSES[rawStatus];
  if (status === undefined) warnings.push(`STATUS '${rawStatus}' is not an event status`);

  return makeEvent(
    vendor,
    {
      eventId: first('UID')?.value ?? null,
      kind: kindOf(categories, summary),
      status: status ?? 'unknown',
      notBefore: start ? formatUtc(start.milliseconds) : null,
      notAfter: end ? formatUtc(end.milliseconds) : null,
      resources: uniqueStrings(all('RESOURCES').flatMap((line) => textList(line.value))),
      durationSeconds: null,
      canReschedule: null,
    },
    {
      description: summary || unescapeText(first('DESCRIPTION')?.value ?? '') || undefined,
      warnings,
    },
  );
}

/** Returns whether the text is an iCalendar document. */
export function isICalendar(text: string): boolean {
  return /^\s*BEGIN:VCALENDAR\b/i.test(text.replace(/^\uFEFF/, ''));
}

/** Reads every VEVENT of an iCalendar feed. A feed with `METHOD:CANCEL` cancels all its events. */
export function readICalendar(text: string, vendor: Vendor): NoticeReading {
  const notes: string[] = [];
  const events: VendorEvent[] = [];
  let current: ContentLine[] | null = null;
  let depth = 0;
  let cancelled = false;
  for (const raw of unfold(text.replace(/^\uFEFF/, ''))) {
    const line = parseLine(raw);
    if (line === null) {
      notes.push(`line '${raw}' is not an iCalendar content line`);
      continue;
    }
    const value = line.value.trim().toUpperCase();
    if (line.name === 'METHOD' && value === 'CANCEL') cancelled = true;
    if (line.name === 'BEGIN' && value === 'VEVENT') {
      current = [];
      depth = 0;
    } else if (current && line.name === 'BEGIN') depth++;
    else if (current && line.name === 'END' && value === 'VEVENT') {
      events.push(readVevent(current, vendor, cancelled));
      current = null;
    } else if (current && line.name === 'END') depth--;
    // Properties of nested components such as VALARM belong to them, not to the event.
    else if (current && depth === 0) current.push(line);
  }
  if (current) notes.push('the last VEVENT has no END:VEVENT and was not read');
  return makeReading(vendor, ICAL_FORMAT, events, notes);
}
