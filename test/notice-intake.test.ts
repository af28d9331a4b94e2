import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { configSchema } from '../src/config/schema.js';
import type { PitstopContext } from '../src/context.js';
import { noticeSubcommands } from '../src/handlers/notices.js';
import { UsageError } from '../src/handlers/subcommands.js';
import { createFleetWatch, type FleetWatch } from '../src/k8s/watch.js';
import { silentLogger } from '../src/log.js';
import { getMaintenance } from '../src/maintenance/store.js';
import { startKubeStandIn, type KubeObject, type KubeStandIn } from '../src/standins/kube-api.js';
import { openStore, type Db } from '../src/store/db.js';
import { readNotice } from '../src/vendors/index.js';
import { listNotices, matchNotice, startNoticeIntake, type NoticeIntake } from '../src/vendors/intake.js';

const SUBSCRIPTION = 'azure:///subscriptions/sub-1/resourceGroups/mc_rg/providers/Microsoft.Compute';

function node(name: string, providerID: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: { providerID },
    status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { 'nvidia.com/gpu': '8' } },
  };
}

const AKS_NODES = [
  // Scale-set instance 47 is 1b in base 36.
  node('aks-gpu-00000001-vmss00001b', `${SUBSCRIPTION}/virtualMachineScaleSets/aks-gpu-00000001-vmss/virtualMachines/47`),
  node('aks-gpu-00000001-vmss00001c', `${SUBSCRIPTION}/virtualMachineScaleSets/aks-gpu-00000001-vmss/virtualMachines/48`),
];
const EKS_NODES = [node('ip-10-0-1-17.ec2.internal', 'aws:///us-east-1a/i-0abc0000000000001')];

function scheduledEvents(incarnation: number, events: Record<string, unknown>[]): string {
  return JSON.stringify({ DocumentIncarnation: incarnation, Events: events });
}

const freezeEvent = {
  EventId: '00000000-0000-0000-0000-0000000000F1',
  EventStatus: 'Started',
  EventType: 'Reboot',
  ResourceType: 'VirtualMachine',
  Resources: ['aks-gpu-00000001-vmss_47', 'FrontEnd_IN_0'],
  NotBefore: '',
  Description: 'Host server is undergoing maintenance.',
  EventSource: 'Platform',
  DurationInSeconds: 300,
};

interface Harness {
  ctx: PitstopContext & { clock: ManualClock };
  intake: NoticeIntake;
  reconciles: number;
}

let dir: string;
let path: string;
let standIns: KubeStandIn[];
let watch: FleetWatch;
let harness: Harness;

beforeAll(async () => {
  standIns = [await startKubeStandIn(), await startKubeStandIn()];
  standIns[0]!.apply({ kind: 'List', items: AKS_NODES });
  standIns[1]!.apply({ kind: 'List', items: EKS_NODES });
  watch = createFleetWatch({
    clusters: [
      { name: 'aks-gpu', kubeConfig: standIns[0]!.kubeConfig('aks-gpu') },
      { name: 'eks-gpu', kubeConfig: standIns[1]!.kubeConfig('eks-gpu') },
    ],
    gpuOperatorNamespace: 'gpu-operator',
    log: silentLogger,
    syncTimeoutMs: 10_000,
  });
  await watch.start();
});

afterAll(async () => {
  await watch.stop();
  await Promise.all(standIns.map((standIn) => standIn.close()));
});

async function startHarness(storePath: string): Promise<Harness> {
  const config = configSchema.parse({
    clusters: [
      { name: 'aks-gpu', vendor: 'azure', context: 'aks-gpu', channel: 'C0AKSGPU' },
      { name: 'eks-gpu', vendor: 'aws', context: 'eks-gpu', channel: 'C0EKSGPU' },
    ],
    store: { path: storePath },
  });
  const result: Harness = {
    ctx: {
      config,
      db: openStore(storePath),
      clock: new ManualClock('2026-04-01T10:00:00Z'),
      fleet: watch,
      log: silentLogger,
      requestReconcile: () => {
        result.reconciles++;
      },
    },
    intake: undefined as unknown as NoticeIntake,
    reconciles: 0,
  };
  result.intake = await startNoticeIntake(result.ctx, { port: 0 });
  return result;
}

async function stopHarness(): Promise<void> {
  await harness.intake.close();
  harness.ctx.db.close();
}

beforeEach(async (context) => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-intake-'));
  path = join(dir, 'pitstop.db');
  harness = await startHarness(path);
  context.onTestFinished(async () => {
    await stopHarness().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
});

async function post(body: string, query = ''): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${harness.intake.url}/notices${query}`, { method: 'POST', body });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe('notice intake', () => {
  it('listens on loopback by default', () => {
    expect(harness.intake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('matches scale-set VM names and creates a maintenance', async () => {
    const { status, json } = await post(scheduledEvents(5, [freezeEvent]));
    expect(status).toBe(202);
    expect(json.status).toBe('matched');
    expect(json.vendor).toBe('azure');
    expect(json.incarnation).toBe(5);
    expect(json.matches[0].nodes).toEqual([
      { cluster: 'aks-gpu', node: 'aks-gpu-00000001-vmss00001b', resource: 'aks-gpu-00000001-vmss_47' },
    ]);
    expect(json.matches[0].unmatchedResources).toEqual(['FrontEnd_IN_0']);
    expect(json.maintenances).toHaveLength(1);

    const maintenance = getMaintenance(harness.ctx.db, json.maintenances[0])!;
    expect(maintenance.source).toBe('notice');
    expect(maintenance.vendor).toBe('azure');
    expect(maintenance.clusters).toEqual([{ cluster: 'aks-gpu', scope: { nodes: ['aks-gpu-00000001-vmss00001b'] } }]);
    // A started event without NotBefore starts now and lasts its stated impact.
    expect(maintenance.windowStart).toBe('2026-04-01T10:00:00.000Z');
    expect(maintenance.windowEnd).toBe('2026-04-01T10:05:00.000Z');
    expect(harness.reconciles).toBe(1);
  });

  it('creates one maintenance for a repeated event', async () => {
    const first = await post(scheduledEvents(5, [freezeEvent]));
    const lowerCased = { ...freezeEvent, EventId: freezeEvent.EventId.toLowerCase() };
    const second = await post(scheduledEvents(6, [lowerCased]));
    expect(second.json.maintenances).toEqual(first.json.maintenances);
    expect(listNotices(harness.ctx.db)).toHaveLength(2);
  });

  it('keeps a notice that matches no node', async () => {
    const body = JSON.stringify([
      { Code: 'system-reboot', EventId: 'instance-event-1', State: 'active', NotBefore: '21 Jan 2027 09:00:43 GMT' },
    ]);
    const { status, json } = await post(body, '?resource=i-0fff0000000000009');
    expect(status).toBe(202);
    expect(json.status).toBe('unmatched');
    expect(json.events[0].resources).toEqual(['i-0fff0000000000009']);
    expect(json.maintenances).toEqual([]);
    const unmatched = listNotices(harness.ctx.db, { unmatchedOnly: true });
    expect(unmatched.map((notice) => notice.id)).toEqual([json.id]);
    expect(unmatched[0]!.origin).toBe('i-0fff0000000000009');
  });

  it('matches an instance id from the provider id', async () => {
    const body = JSON.stringify([
      { Code: 'instance-stop', EventId: 'instance-event-2', State: 'active', NotBefore: '1 Jan 2027 02:00:00 GMT' },
    ]);
    const { json } = await post(body, '?vendor=aws&resource=i-0abc0000000000001');
    expect(json.matches[0].nodes).toEqual([
      { cluster: 'eks-gpu', node: 'ip-10-0-1-17.ec2.internal', resource: 'i-0abc0000000000001' },
    ]);
    const maintenance = getMaintenance(harness.ctx.db, json.maintenances[0])!;
    expect(maintenance.windowStart).toBe('2027-01-01T02:00:00.000Z');
    // No end and no impact stated: the assumed one-hour window.
    expect(maintenance.windowEnd).toBe('2027-01-01T03:00:00.000Z');
  });

  it('cancels the maintenance of a cancelled event', async () => {
    const event = { Code: 'system-reboot', EventId: 'instance-event-3', NotBefore: '2 Feb 2027 02:00:00 GMT' };
    const scheduled = await post(JSON.stringify([{ ...event, State: 'active' }]), '?resource=i-0abc0000000000001');
    const id = scheduled.json.maintenances[0] as string;
    expect(getMaintenance(harness.ctx.db, id)!.state).toBe('scheduled');
    const cancelled = await post(JSON.stringify([{ ...event, State: 'canceled' }]), '?resource=i-0abc0000000000001');
    expect(cancelled.json.events[0].status).toBe('cancelled');
    expect(cancelled.json.maintenances).toEqual([id]);
    expect(getMaintenance(harness.ctx.db, id)!.state).toBe('cancelled');
  });

  it('keeps a partly read notice with its notes', async () => {
    const body = scheduledEvents(1, [
      { EventId: 'ev-9', EventType: 'Terminate', EventStatus: 'Scheduled', Resources: ['nodename'], NotBefore: '20170702' },
    ]);
    const { status, json } = await post(body);
    expect(status).toBe(202);
    expect(json.events[0].notBefore).toBeNull();
    expect(json.notes).toEqual(["event ev-9: NotBefore '20170702' is not an RFC 1123 time"]);
    const stored = listNotices(harness.ctx.db)[0]!;
    expect(stored.notes).toEqual(json.notes);
    expect(stored.document).toBe(body);
  });

  it('rejects and keeps an empty body', async () => {
    const { status, json } = await post('');
    expect(status).toBe(400);
    expect(json.error).toMatch(/empty/);
    const stored = listNotices(harness.ctx.db)[0]!;
    expect(stored.status).toBe('rejected');
    expect(stored.error).toBe(json.error);
  });

  it('rejects and keeps a body that is no notice', async () => {
    const { status, json } = await post('{"hello": "world"}');
    expect(status).toBe(400);
    expect(json.error).toContain('Name the vendor and format with ?vendor= and ?format=');
    expect(json.error).not.toContain('--vendor');
    expect(listNotices(harness.ctx.db, { unmatchedOnly: true })[0]!.document).toBe('{"hello": "world"}');
  });

  it('rejects an unknown vendor parameter', async () => {
    const { status, json } = await post(scheduledEvents(1, []), '?vendor=ibm');
    expect(status).toBe(400);
    expect(json.error).toMatch(/unknown vendor 'ibm'/);
  });

  it('stores a notice that announces nothing as empty', async () => {
    const { status, json } = await post('NONE', '?resource=gke-node-1');
    expect(status).toBe(202);
    expect(json.status).toBe('empty');
    expect(json.format).toBe('gce-metadata-maintenance-event');
  });

  it('reports events gone from the next snapshot', async () => {
    await post(scheduledEvents(2, [freezeEvent]), '?resource=aks-gpu-00000001-vmss_47');
    const { json } = await post(scheduledEvents(3, []), '?resource=aks-gpu-00000001-vmss_47');
    expect(json.status).toBe('empty');
    expect(json.ended).toHaveLength(1);
    expect(json.ended[0].eventId).toBe(freezeEvent.EventId);
    // It was seen running, so it completed.
    expect(json.ended[0].status).toBe('completed');
  });

  it('compares snapshots only of the same origin', async () => {
    await post(scheduledEvents(2, [freezeEvent]), '?resource=vm-a');
    const { json } = await post(scheduledEvents(3, []), '?resource=vm-b');
    expect(json.ended).toEqual([]);
  });

  it('rejects and keeps a body over the size limit', async () => {
    const { status, json } = await post('x'.repeat(1024 * 1024 + 10));
    expect(status).toBe(413);
    expect(json.status).toBe('rejected');
    expect(listNotices(harness.ctx.db)[0]!.document).toHaveLength(1024 * 1024);
  });

  it('lists stored notices over GET', async () => {
    await post('{"hello": "world"}');
    await post(scheduledEvents(5, [freezeEvent]));
    const all = (await (await fetch(`${harness.intake.url}/notices`)).json()) as { notices: { status: string }[] };
    expect(all.notices.map((notice) => notice.status)).toEqual(['matched', 'rejected']);
    const unmatched = (await (await fetch(`${harness.intake.url}/notices?unmatched=1`)).json()) as {
      notices: { status: string }[];
    };
    expect(unmatched.notices.map((notice) => notice.status)).toEqual(['rejected']);
  });

  it('answers 404 and 405 outside POST and GET /notices', async () => {
    expect((await fetch(`${harness.intake.url}/other`, { method: 'POST', body: 'x' })).status).toBe(404);
    const put = await fetch(`${harness.intake.url}/notices`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('keeps notices in the store file across restarts', async () => {
    await post(scheduledEvents(5, [freezeEvent]));
    await stopHarness();
    harness = await startHarness(path);
    expect(listNotices(harness.ctx.db).map((notice) => notice.status)).toEqual(['matched']);
  });
});

describe('matchNotice', () => {
  it('matches node names case-insensitively', async () => {
    const config = configSchema.parse({
      clusters: [{ name: 'aks-gpu', vendor: 'azure', context: 'aks-gpu', channel: 'C0AKSGPU' }],
    });
    const reading = readNotice('Reboot Scheduled: Fri, 06 Dec 2024 18:09:55 GMT. DurationInSeconds: -1.', {
      resource: 'AKS-GPU-00000001-VMSS00001C',
    });
    const match = matchNotice(reading, watch, config);
    expect(match.clusters).toEqual(['aks-gpu']);
    expect(match.events[0]!.nodes.map((entry) => entry.node)).toEqual(['aks-gpu-00000001-vmss00001c']);
  });

  it('skips clusters of another vendor', () => {
    const config = configSchema.parse({
      clusters: [{ name: 'eks-gpu', vendor: 'aws', context: 'eks-gpu', channel: 'C0EKSGPU' }],
    });
    const reading = readNotice(scheduledEvents(1, [{ ...freezeEvent, Resources: ['ip-10-0-1-17.ec2.internal'] }]));
    expect(matchNotice(reading, watch, config).matchedNodes).toBe(0);
  });
});

describe('/pitstop notices', () => {
  const client = new WebClient(undefined, { slackApiUrl: 'http://127.0.0.1:9/api/' });
  const run = (args: string[]) =>
    noticeSubcommands[0]!.run({ ctx: harness.ctx, args, userId: 'U1', channelId: 'C0AKSGPU', triggerId: 't', client });

  it('lists notices with their outcome', async () => {
    const matched = await post(scheduledEvents(5, [freezeEvent]));
    await post('{"hello": "world"}');
    const reply = await run([]);
    expect(reply.text).toContain(`#${matched.json.id} azure azure-imds-scheduledevents`);
    expect(reply.text).toContain(`1 node matched; unmatched: FrontEnd_IN_0 → ${matched.json.maintenances[0]}`);
    expect(reply.text).toContain('rejected: could not read the document');
  });

  it('lists only unmatched notices', async () => {
    await post(scheduledEvents(5, [freezeEvent]));
    const reply = await run(['unmatched']);
    expect(reply.text).toBe('Every stored notice matched a node.');
  });

  it('shows one notice in full', async () => {
    const { json } = await post(scheduledEvents(5, [freezeEvent]));
    const reply = await run(['show', String(json.id)]);
    expect(reply.text).toContain('*reboot, started (azure Reboot)*');
    expect(reply.text).toContain('matched nodes: aks-gpu/aks-gpu-00000001-vmss00001b');
  });

  it('rejects an unknown option with usage', async () => {
    await expect(run(['everything'])).rejects.toThrow(UsageError);
    await expect(run(['show', 'abc'])).rejects.toThrow(/notice id/);
  });
});
