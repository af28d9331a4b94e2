import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { CliIo } from '../src/cli/io.js';
import type { Vendor } from '../src/config/schema.js';
import { NoticeFormatError, readNotice, type ReadOptions, type VendorEvent } from '../src/vendors/index.js';

interface NoticeCase {
  id: string;
  vendor: Vendor;
  format: string;
  documentKind: string;
  document: unknown;
  traps: string[];
  expected: Record<string, unknown>[];
}

const cases: NoticeCase[] = readFileSync(new URL('./fixtures/vendor-notices.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as NoticeCase);

/**
 * Facts the sources showed next to the pasted text, not in it: the node a node-problem-detector
 * condition was on, and the event reason that carried a message starting at "Scheduled:".
 */
const outsideFacts: Record<string, ReadOptions> = {
  v020: { resource: 'aks-nodepool1-00000008-vmss000001' },
  v022: { resource: 'aks-nodepool1-00000008-vmss000001', reason: 'RebootScheduled' },
  v024: { resource: 'aks-gpuspot-00000009-vmss000006' },
};

/** Documents that carry nothing of their vendor: only --vendor and --format can name them. */
const namesNoVendor = new Set(['v043']);

const CORE_FIELDS = ['vendor', 'eventId', 'kind', 'status', 'notBefore', 'notAfter', 'resources', 'durationSeconds', 'canReschedule'];

function documentText(notice: NoticeCase): string {
  return typeof notice.document === 'string' ? notice.document : JSON.stringify(notice.document);
}

function caseName(notice: NoticeCase): string {
  const outcome = notice.expected.map((event) => `${String(event.kind)} ${String(event.status)}`).join(', ');
  return `${notice.format} (${notice.traps.join(', ')}) reads as ${outcome || 'no events'}`;
}

/** Returns the field a warning is about: its first word, such as `NotBefore` in "NotBefore '2017' is not ...". */
function warningField(warning: string): string {
  return warning.split(' ')[0]!;
}

/**
 * Checks the core fields exactly and every extension the case lists. Warnings are compared by the
 * field they name, because their wording is free.
 */
function expectEvents(actual: VendorEvent[], expected: Record<string, unknown>[], label: string): void {
  expect(actual, label).toHaveLength(expected.length);
  expected.forEach((want, index) => {
    const got = actual[index] as unknown as Record<string, unknown>;
    for (const field of CORE_FIELDS) expect(got[field], `${label}: event ${index} ${field}`).toEqual(want[field]);
    for (const [field, value] of Object.entries(want)) {
      if (CORE_FIELDS.includes(field)) continue;
      if (field === 'warnings') {
        const fields = ((got.warnings as string[] | undefined) ?? []).map(warningField);
        for (const warning of value as string[]) {
          expect(fields, `${label}: warning about ${warningField(warning)}`).toContain(warningField(warning));
        }
        continue;
      }
      expect(got[field], `${label}: event ${index} ${field}`).toEqual(value);
    }
  });
}

async function runCli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: Readable.from([stdin]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/**
 * Returns `--at` one second before the earliest start the case expects. The expected readings are those of a
 * notice while it is current, and the CLI otherwise reads as of the current time, when every start has passed.
 */
function atArgs(notice: NoticeCase): string[] {
  const starts = notice.expected
    .map((event) => (typeof event.notBefore === 'string' ? Date.parse(event.notBefore) : Number.NaN))
    .filter((time) => !Number.isNaN(time));
  if (starts.length === 0) return [];
  return ['--at', new Date(Math.min(...starts) - 1000).toISOString()];
}

function cliArgs(facts: ReadOptions): string[] {
  const args: string[] = [];
  if (facts.resource) args.push('--resource', facts.resource);
  if (facts.reason) args.push('--reason', facts.reason);
  return args;
}

describe('vendor notices from the corpus', () => {
  it('case names are unique', () => {
    const names = cases.map(caseName);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(cases.map((notice) => [caseName(notice), notice] as const))('%s', async (_name, notice) => {
    const facts = outsideFacts[notice.id] ?? {};
    const text = documentText(notice);

    const hinted = readNotice(text, { vendor: notice.vendor, format: notice.format, ...facts });
    expect(hinted.format).toBe(notice.format);
    expectEvents(hinted.events, notice.expected, 'with --vendor and --format');

    if (namesNoVendor.has(notice.id)) {
      let error: unknown;
      try {
        readNotice(text, facts);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(NoticeFormatError);
      expect((error as NoticeFormatError).settledBy).toContain('vendor');
    } else {
      const detected = readNotice(text, facts);
      expect(detected.vendor).toBe(notice.vendor);
      expectEvents(detected.events, notice.expected, 'detected');
    }

    const cli = await runCli(
      ['notice', '--json', '--vendor', notice.vendor, '--format', notice.format, ...cliArgs(facts), ...atArgs(notice)],
      text,
    );
    expect(cli.code, cli.stderr).toBe(0);
    expectEvents(JSON.parse(cli.stdout) as VendorEvent[], notice.expected, 'pitstop notice --json');
  });
});
