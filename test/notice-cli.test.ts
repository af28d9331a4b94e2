import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { CliIo } from '../src/cli/io.js';

async function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: Readable.from(stdin === '' ? [] : [stdin]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await main(['notice', ...args], io);
  return { code, stdout, stderr };
}

const AZURE_FREEZE = JSON.stringify({
  DocumentIncarnation: 2,
  Events: [
    {
      EventId: '00000000-0000-0000-0000-0000000000A1',
      EventStatus: 'Scheduled',
      EventType: 'Freeze',
      ResourceType: 'VirtualMachine',
      Resources: ['WestNO_0', 'WestNO_1'],
      NotBefore: 'Mon, 11 Apr 2026 22:26:58 GMT',
      Description: 'Virtual machine is being paused.',
      EventSource: 'Platform',
      DurationInSeconds: 5,
    },
  ],
});

const AWS_ACTIVE = JSON.stringify([
  { Code: 'system-reboot', EventId: 'instance-event-1', State: 'active', NotBefore: '21 Jan 2019 09:00:43 GMT' },
]);

describe('pitstop notice', () => {
  it('prints events in plain words', async () => {
    const result = await run([], AZURE_FREEZE);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      'azure notice (azure-imds-scheduledevents, document incarnation 2): 1 event',
      '- freeze, scheduled (azure Freeze)',
      '  event id: 00000000-0000-0000-0000-0000000000A1',
      '  resources: WestNO_0, WestNO_1',
      '  window: not before 2026-04-11T22:26:58Z, end not given',
      '  expected impact: 5 s',
      '  started by: Platform',
      '  description: Virtual machine is being paused.',
      '',
    ]);
  });

  it('prints the events as a JSON array', async () => {
    const result = await run(['--json'], AZURE_FREEZE);
    expect(result.code).toBe(0);
    const events = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(events).toHaveLength(1);
    expect(Object.keys(events[0]!).slice(0, 9)).toEqual([
      'vendor',
      'eventId',
      'kind',
      'status',
      'notBefore',
      'notAfter',
      'resources',
      'durationSeconds',
      'canReschedule',
    ]);
  });

  it('prints an empty array for a notice without events', async () => {
    const result = await run(['--json'], '{"DocumentIncarnation": 1, "Events": []}');
    expect(result.stdout).toBe('[]\n');
    const plain = await run([], '{"DocumentIncarnation": 1, "Events": []}');
    expect(plain.stdout).toBe('azure notice (azure-imds-scheduledevents, document incarnation 1): no events\n');
  });

  it('writes notes on unread parts to stderr', async () => {
    const text = '[ "Events": [ { "InstanceEventId": "instance-event-2", "Code": "instance-stop", "NotBefore": "2015-05-23" } ] ]';
    const result = await run(['--json'], text);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject([{ kind: 'stop', notBefore: null }]);
    expect(result.stderr).toContain('note: the notice is not valid JSON');
    expect(result.stderr).toContain("note: event instance-event-2: NotBefore '2015-05-23' is not an RFC 1123 time");
  });

  it('reads active AWS events as started after --at', async () => {
    const before = await run(['--json', '--at', '2019-01-21T09:00:00Z'], AWS_ACTIVE);
    const after = await run(['--json', '--at', '2019-01-21T09:05:00Z'], AWS_ACTIVE);
    expect(JSON.parse(before.stdout)[0].status).toBe('scheduled');
    expect(JSON.parse(after.stdout)[0].status).toBe('started');
  });

  it('reads as of the current time without --at', async () => {
    const past = await run(['--json'], AWS_ACTIVE);
    const future = AWS_ACTIVE.replace('21 Jan 2019', '21 Jan 2100');
    const upcoming = await run(['--json'], future);
    expect(JSON.parse(past.stdout)[0].status).toBe('started');
    expect(JSON.parse(upcoming.stdout)[0].status).toBe('scheduled');
  });

  it('gives --resource to events that name none', async () => {
    const result = await run(['--json', '--resource', 'gke-a3-1'], 'TERMINATE_ON_HOST_MAINTENANCE');
    expect(JSON.parse(result.stdout)).toMatchObject([{ vendor: 'gcp', kind: 'terminate', resources: ['gke-a3-1'] }]);
  });

  it('takes the event type from --reason', async () => {
    const message = 'Scheduled: Fri, 06 Dec 2024 18:09:55 GMT. DurationInSeconds: -1. For more information, see https://aka.ms/aks/scheduledevents.';
    const result = await run(['--json', '--reason', 'RedeployScheduled'], message);
    expect(JSON.parse(result.stdout)).toMatchObject([{ kind: 'redeploy', notBefore: '2024-12-06T18:09:55Z' }]);
  });

  it('lists the formats of each vendor', async () => {
    const result = await run(['--list-formats']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('azure: azure-imds-scheduledevents,');
    expect(result.stdout).toContain('any vendor: generic-json, ical, kubernetes-node');
  });

  it('exits 1 with the formats tried for a document it cannot read', async () => {
    const result = await run([], '{"hello": "world"}');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^pitstop notice: could not read the document as a notice of any vendor; tried azure/);
    expect(result.stderr).toContain('Name the vendor and format with --vendor and --format');
    expect(result.stderr).not.toContain('?vendor=');
    expect(result.stderr).toContain('run pitstop notice --help for usage');
    expect(result.stderr).not.toContain('usage: pitstop notice');
  });

  it('exits 1 on empty input', async () => {
    const result = await run([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the notice is empty');
  });

  it('exits 1 when the document is not of the named format', async () => {
    const result = await run(['--vendor', 'oci', '--format', 'oci-events-instancemaintenance'], AZURE_FREEZE);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is an OCI event of type com.oraclecloud.computeapi.instancemaintenance');
  });

  it('exits 1 for a format of another vendor', async () => {
    const result = await run(['--vendor', 'aws', '--format', 'azure-imds-scheduledevents'], AZURE_FREEZE);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("format 'azure-imds-scheduledevents' is not a format of vendor aws");
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /unexpected argument "extra"/],
    [['--vendor', 'ibm'], /invalid --vendor "ibm": expected one of aws, azure/],
    [['--at', 'yesterday'], /invalid --at "yesterday"/],
    [['--vendor'], /argument missing/],
  ])('rejects bad options %j with usage and exit 2', async (args, message) => {
    const result = await run(args as string[], AZURE_FREEZE);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage: pitstop notice');
  });

  it('prints usage for --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: pitstop notice');
  });
});
