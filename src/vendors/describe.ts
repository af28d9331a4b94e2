import type { NoticeReading, VendorEvent } from './types.js';

function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds > 0) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0 && seconds > 0) return `${seconds / 3_600} h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function windowLine(event: VendorEvent): string {
  if (event.notBefore && event.notAfter) return `window: ${event.notBefore} to ${event.notAfter}`;
  if (event.notBefore) return `window: not before ${event.notBefore}, end not given`;
  if (event.notAfter) return `window: start not given, ends by ${event.notAfter}`;
  return 'window: not given';
}

function rescheduleLine(event: VendorEvent): string | null {
  if (event.canReschedule === true) {
    return event.latestStart ? `can be rescheduled to start as late as ${event.latestStart}` : 'can be rescheduled';
  }
  if (event.canReschedule === false) return 'cannot be rescheduled';
  return event.latestStart ? `latest start ${event.latestStart}` : null;
}

/** Describes one event in plain words, one fact a line, for the CLI and Slack replies. */
export function describeEvent(event: VendorEvent): string[] {
  const lines = [`${event.kind}, ${event.status}${event.code ? ` (${event.vendor} ${event.code})` : ''}`];
  lines.push(event.eventId ? `event id: ${event.eventId}` : 'event id: not given');
  lines.push(event.resources.length > 0 ? `resources: ${event.resources.join(', ')}` : 'resources: none named');
  lines.push(windowLine(event));
  if (event.durationSeconds !== null) lines.push(`expected impact: ${formatSeconds(event.durationSeconds)}`);
  const reschedule = rescheduleLine(event);
  if (reschedule) lines.push(reschedule);
  if (event.source) lines.push(`started by: ${event.source}`);
  if (event.category || event.reason) lines.push(`category: ${event.category ?? '-'}, reason: ${event.reason ?? '-'}`);
  if (event.reasons?.length) lines.push(`reasons: ${event.reasons.join(', ')}`);
  if (event.correlationToken) lines.push(`scheduled together with events sharing ${event.correlationToken}`);
  if (event.perResourceStatus) {
    const statuses = Object.entries(event.perResourceStatus).map(([resource, status]) => `${resource} ${status}`);
    lines.push(`per resource: ${statuses.join(', ')}`);
  }
  if (event.description) lines.push(`description: ${event.description}`);
  return lines;
}

/** Describes a reading: a header line, then each event as an indented block. */
export function describeReading(reading: NoticeReading): string {
  const count = reading.events.length;
  const incarnation = reading.incarnation === undefined ? '' : `, document incarnation ${reading.incarnation}`;
  const header = `${reading.vendor} notice (${reading.format}${incarnation}): ${count === 0 ? 'no events' : `${count} event${count === 1 ? '' : 's'}`}`;
  const blocks = reading.events.map((event) => {
    const [first, ...rest] = describeEvent(event);
    return [`- ${first}`, ...rest.map((line) => `  ${line}`)].join('\n');
  });
  return [header, ...blocks].join('\n');
}
