import { describe, expect, it } from 'vitest';
import { readICalendar } from '../src/vendors/ical.js';
import { readNotice } from '../src/vendors/index.js';

function calendar(...lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example//Maintenance//EN', ...lines, 'END:VCALENDAR'].join('\r\n');
}

function vevent(...lines: string[]): string[] {
  return ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];
}

describe('iCalendar feeds', () => {
  it('reads a UTC event', () => {
    const reading = readICalendar(
      calendar(
        ...vevent(
          'UID:mx-2026-05-01@example.com',
          'DTSTAMP:20260401T000000Z',
          'DTSTART:20260501T020000Z',
          'DTEND:20260501T060000Z',
          'SUMMARY:Scheduled reboot of rack A3',
          'RESOURCES:node-a,node-b',
          'STATUS:CONFIRMED',
        ),
      ),
      'coreweave',
    );
    expect(reading.notes).toEqual([]);
    expect(reading.events).toEqual([
      {
        vendor: 'coreweave',
        eventId: 'mx-2026-05-01@example.com',
        kind: 'reboot',
        status: 'scheduled',
        notBefore: '2026-05-01T02:00:00Z',
        notAfter: '2026-05-01T06:00:00Z',
        resources: ['node-a', 'node-b'],
        durationSeconds: null,
        canReschedule: null,
        description: 'Scheduled reboot of rack A3',
      },
    ]);
  });

  it('unfolds continuation lines', () => {
    // The first space of a continuation line marks the fold and is not part of the value.
    const reading = readICalendar(
      calendar(...vevent('UID:u1', 'DTSTART:20260501T020000Z', 'SUMMARY:Firmware update for the GPU hosts', '  of block 7 (BMC and NIC)')),
      'generic',
    );
    expect(reading.events[0]!.description).toBe('Firmware update for the GPU hosts of block 7 (BMC and NIC)');
  });

  it('converts TZID times to UTC in winter and summer', () => {
    const reading = readICalendar(
      calendar(
        ...vevent('UID:winter', 'DTSTART;TZID=America/New_York:20260115T220000', 'DTEND;TZID=America/New_York:20260116T020000'),
        ...vevent('UID:summer', 'DTSTART;TZID="Europe/Berlin":20260715T220000'),
      ),
      'generic',
    );
    expect(reading.events.map((event) => [event.notBefore, event.notAfter])).toEqual([
      ['2026-01-16T03:00:00Z', '2026-01-16T07:00:00Z'],
      ['2026-07-15T20:00:00Z', null],
    ]);
  });

  it('reads all-day dates with an exclusive end', () => {
    const reading = readICalendar(
      calendar(
        ...vevent('UID:two-days', 'DTSTART;VALUE=DATE:20260301', 'DTEND;VALUE=DATE:20260303'),
        ...vevent('UID:one-day', 'DTSTART;VALUE=DATE:20260310'),
      ),
      'generic',
    );
    expect(reading.events.map((event) => [event.notBefore, event.notAfter])).toEqual([
      ['2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z'],
      ['2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z'],
    ]);
  });

  it('ends a window by DURATION when DTEND is missing', () => {
    const reading = readICalendar(calendar(...vevent('UID:d', 'DTSTART:20260501T020000Z', 'DURATION:PT90M')), 'generic');
    expect(reading.events[0]!.notAfter).toBe('2026-05-01T03:30:00Z');
  });

  it('reads cancelled events and cancelling feeds', () => {
    const cancelledEvent = readICalendar(calendar(...vevent('UID:c', 'DTSTART:20260501T020000Z', 'STATUS:CANCELLED')), 'generic');
    expect(cancelledEvent.events[0]!.status).toBe('cancelled');
    const cancellingFeed = readICalendar(calendar('METHOD:CANCEL', ...vevent('UID:c', 'DTSTART:20260501T020000Z')), 'generic');
    expect(cancellingFeed.events[0]!.status).toBe('cancelled');
  });

  it('takes the kind from CATEGORIES before SUMMARY', () => {
    const reading = readICalendar(
      calendar(
        ...vevent('UID:k1', 'DTSTART:20260501T020000Z', 'CATEGORIES:MAINTENANCE,MIGRATE', 'SUMMARY:Reboot window'),
        ...vevent('UID:k2', 'DTSTART:20260501T020000Z', 'SUMMARY:Host retirement'),
        ...vevent('UID:k3', 'DTSTART:20260501T020000Z', 'SUMMARY:Network work'),
      ),
      'generic',
    );
    expect(reading.events.map((event) => event.kind)).toEqual(['migrate', 'retirement', 'unknown']);
  });

  it('unescapes text values and lists', () => {
    const reading = readICalendar(
      calendar(...vevent('UID:e', 'DTSTART:20260501T020000Z', 'SUMMARY:Reboot\\, then validate\\; step 2', 'RESOURCES:rack\\,a,node-c')),
      'generic',
    );
    expect(reading.events[0]!.description).toBe('Reboot, then validate; step 2');
    expect(reading.events[0]!.resources).toEqual(['rack,a', 'node-c']);
  });

  it('ignores properties of nested alarms', () => {
    const reading = readICalendar(
      calendar(
        ...vevent('UID:a', 'DTSTART:20260501T020000Z', 'BEGIN:VALARM', 'DESCRIPTION:Reminder', 'TRIGGER:-PT1H', 'END:VALARM'),
      ),
      'generic',
    );
    expect(reading.events[0]!.description).toBeUndefined();
  });

  it('warns about what it cannot read', () => {
    const reading = readICalendar(
      calendar(
        ...vevent('UID:floating', 'DTSTART:20260501T020000'),
        ...vevent('UID:zone', 'DTSTART;TZID=Pacific Standard Time:20260501T020000'),
        ...vevent('UID:repeat', 'DTSTART:20260501T020000Z', 'RRULE:FREQ=WEEKLY'),
      ),
      'generic',
    );
    expect(reading.events.map((event) => event.notBefore)).toEqual(['2026-05-01T02:00:00Z', null, '2026-05-01T02:00:00Z']);
    expect(reading.notes).toEqual([
      "event floating: DTSTART '20260501T020000' has no time zone; read as UTC",
      "event zone: DTSTART time zone 'Pacific Standard Time' is not an IANA time zone name",
      'event repeat: RRULE is not expanded: only the first occurrence is read',
    ]);
  });

  it('is detected by readNotice and takes the named vendor', () => {
    const text = calendar(...vevent('UID:x', 'DTSTART:20260501T020000Z'));
    expect(readNotice(text).vendor).toBe('generic');
    const named = readNotice(text, { vendor: 'oci' });
    expect(named.format).toBe('ical');
    expect(named.events[0]!.vendor).toBe('oci');
  });
});
