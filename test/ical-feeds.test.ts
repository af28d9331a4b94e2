import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { configSchema } from '../src/config/schema.js';
import type { PitstopContext } from '../src/context.js';
import { createFleetWatch, type FleetWatch } from '../src/k8s/watch.js';
import { silentLogger } from '../src/log.js';
import { getMaintenance } from '../src/maintenance/store.js';
import { startKubeStandIn, type KubeStandIn } from '../src/standins/kube-api.js';
import { openStore } from '../src/store/db.js';
import { pollICalFeeds } from '../src/vendors/ical-feeds.js';
import { listNotices } from '../src/vendors/intake.js';

const FEED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Example//Maintenance//EN',
  'BEGIN:VEVENT',
  'UID:cw-rack-12-2026-05-01',
  'DTSTART:20260501T020000Z',
  'DTEND:20260501T060000Z',
  'SUMMARY:Reboot for BMC firmware',
  'RESOURCES:g8b2c1',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

let standIn: KubeStandIn;
let watch: FleetWatch;
let feedServer: Server;
let feedBody = FEED;
let feedStatus = 200;
let feedUrl: string;
let dir: string;

beforeAll(async () => {
  standIn = await startKubeStandIn();
  standIn.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'g8b2c1' }, spec: {}, status: {} });
  watch = createFleetWatch({
    clusters: [{ name: 'cw-east', kubeConfig: standIn.kubeConfig('cw-east') }],
    gpuOperatorNamespace: 'gpu-operator',
    log: silentLogger,
  });
  await watch.start();
  feedServer = createServer((_request, response) => {
    response.writeHead(feedStatus, { 'content-type': 'text/calendar' });
    response.end(feedBody);
  });
  await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/maintenance.ics`;
  dir = mkdtempSync(join(tmpdir(), 'pitstop-feeds-'));
});

afterAll(async () => {
  await watch.stop();
  await standIn.close();
  await new Promise((resolve) => feedServer.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function context(name: string): PitstopContext {
  const config = configSchema.parse({
    clusters: [{ name: 'cw-east', vendor: 'coreweave', context: 'cw-east', channel: 'C0CWEAST' }],
    notices: { icalFeeds: [{ url: feedUrl, vendor: 'coreweave' }] },
  });
  return {
    config,
    db: openStore(join(dir, name)),
    clock: new ManualClock('2026-04-20T00:00:00Z'),
    fleet: watch,
    log: silentLogger,
    requestReconcile: () => undefined,
  };
}

describe('iCalendar feed polling', () => {
  it('stores a feed and creates its maintenance', async () => {
    const ctx = context('stored.db');
    const [result] = await pollICalFeeds(ctx);
    expect(result?.outcome).toBe('stored');
    const [notice] = listNotices(ctx.db);
    expect(notice?.status).toBe('matched');
    expect(notice?.origin).toBe(feedUrl);
    const maintenance = getMaintenance(ctx.db, notice!.maintenanceId!)!;
    expect(maintenance.vendor).toBe('coreweave');
    expect(maintenance.windowStart).toBe('2026-05-01T02:00:00.000Z');
    expect(maintenance.windowEnd).toBe('2026-05-01T06:00:00.000Z');
    ctx.db.close();
  });

  it('skips a feed that did not change', async () => {
    const ctx = context('unchanged.db');
    await pollICalFeeds(ctx);
    const [again] = await pollICalFeeds(ctx);
    expect(again?.outcome).toBe('unchanged');
    expect(listNotices(ctx.db)).toHaveLength(1);
    ctx.db.close();
  });

  it('cancels the maintenance when the feed cancels the event', async () => {
    const ctx = context('cancel.db');
    await pollICalFeeds(ctx);
    const id = listNotices(ctx.db)[0]!.maintenanceId!;
    feedBody = FEED.replace('END:VEVENT', 'STATUS:CANCELLED\r\nEND:VEVENT');
    try {
      await pollICalFeeds(ctx);
    } finally {
      feedBody = FEED;
    }
    expect(getMaintenance(ctx.db, id)?.state).toBe('cancelled');
    ctx.db.close();
  });

  it('reports a feed that fails', async () => {
    const ctx = context('failed.db');
    feedStatus = 503;
    try {
      const [result] = await pollICalFeeds(ctx);
      expect(result?.outcome).toBe('failed');
      expect(result?.error).toBe('HTTP 503 Service Unavailable');
    } finally {
      feedStatus = 200;
    }
    expect(listNotices(ctx.db)).toEqual([]);
    ctx.db.close();
  });
});
