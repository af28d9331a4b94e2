import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { VENDORS, type Vendor } from '../config/schema.js';
import { describeReading } from '../vendors/describe.js';
import { listFormats, NoticeFormatError, readNotice, SHARED_FORMATS, type NoticeOptions } from '../vendors/index.js';
import { readAll, type CliCommand } from './io.js';

const USAGE = `usage: pitstop notice [--vendor VENDOR] [--format FORMAT] [--resource NAME] [--reason REASON]
                      [--at TIME] [--json] < NOTICE
       pitstop notice --list-formats

Reads one vendor maintenance notice on stdin and prints the events it announces.

  --vendor VENDOR    vendor of the notice (${VENDORS.join(', ')}); detected when omitted
  --format FORMAT    notice format, as --list-formats prints them; detected when omitted
  --resource NAME    node or instance the notice was read on, for notices that name none
  --reason REASON    Kubernetes event reason that came with the message, such as RebootScheduled
  --at TIME          read as of TIME (RFC 3339) instead of the current time: AWS "active" events that
                     began by then read as started
  --json             print the events as a JSON array in Pitstop's generic notice format
  --list-formats     print each vendor's notice formats

Notes about parts that could not be read go to stderr. Exit status: 0 read, 1 not a readable notice,
2 bad options.
`;

const OPTIONS = {
  vendor: { type: 'string' },
  format: { type: 'string' },
  resource: { type: 'string' },
  reason: { type: 'string' },
  at: { type: 'string' },
  json: { type: 'boolean' },
  'list-formats': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function toOptions(values: Parsed): NoticeOptions | string {
  const options: NoticeOptions = {};
  if (values.vendor !== undefined) {
    if (!(VENDORS as readonly string[]).includes(values.vendor)) {
      return `invalid --vendor "${values.vendor}": expected one of ${VENDORS.join(', ')}`;
    }
    options.vendor = values.vendor as Vendor;
  }
  if (values.at !== undefined) {
    const at = new Date(values.at);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(values.at) || Number.isNaN(at.getTime())) {
      return `invalid --at "${values.at}": expected an RFC 3339 time such as 2026-05-01T02:00:00Z`;
    }
    options.now = at;
  } else {
    options.now = systemClock.now();
  }
  if (values.format !== undefined) options.format = values.format;
  if (values.resource !== undefined) options.resource = values.resource;
  if (values.reason !== undefined) options.reason = values.reason;
  return options;
}

function formatList(): string {
  return `${listFormats()
    .map(({ vendor, formats }) => `${vendor}: ${formats.join(', ')}`)
    .join('\n')}\nany vendor: ${SHARED_FORMATS.join(', ')}\n`;
}

/** `pitstop notice`: reads a notice on stdin and prints its events in plain words or as JSON. */
export const noticeCommand: CliCommand = async (argv, io) => {
  let values: Parsed;
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (parsed.positionals.length > 0) throw new Error(`unexpected argument "${parsed.positionals[0]}"`);
    values = parsed.values;
  } catch (error) {
    io.stderr.write(`pitstop notice: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values['list-formats']) {
    io.stdout.write(formatList());
    return 0;
  }
  const options = toOptions(values);
  if (typeof options === 'string') {
    io.stderr.write(`pitstop notice: ${options}\n\n${USAGE}`);
    return 2;
  }

  const text = await readAll(io.stdin);
  try {
    const reading = readNotice(text, options);
    for (const note of reading.notes) io.stderr.write(`note: ${note}\n`);
    io.stdout.write(values.json ? `${JSON.stringify(reading.events, null, 2)}\n` : `${describeReading(reading)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof NoticeFormatError)) throw error;
    io.stderr.write(`pitstop notice: ${error.withOptions((option) => `--${option}`)}\nrun pitstop notice --help for usage\n`);
    return 1;
  }
};
