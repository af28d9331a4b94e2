import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { syncConfiguredMaintenances } from '../src/maintenance/lifecycle.js';
import { getMaintenance } from '../src/maintenance/store.js';
import {
  at,
  EAST,
  hours,
  lastOutboxId,
  maintConfig,
  maintContext,
  OWNER,
  outboxSince,
  removeStore,
  TestFleet,
  WEST,
  type MaintContext,
} from './maintenance-fixtures.js';

const T0 = '2026-03-01T00:00:00Z';
const START = at(T0, hours(30));
const END = at(T0, hours(34));
const config = maintConfig({
  maintenance: {
    maintenances: [
      {
        id: 'MX-40',
        title: 'Kernel security patch',
        kind: 'security_patch',
        vendor: 'oci',
        owner: OWNER,
        clusters: [{ cluster: EAST }, { cluster: WEST, scope: { nodes: ['w-1', 'w-2'] } }],
        start: START,
        end: END,
      },
    ],
  },
});

const fleet = new TestFleet();
const clock = new ManualClock(T0);
for (const name of ['e-1', 'e-2']) fleet.setNode(EAST, name, { at: T0, rack: 'r1' });
for (const name of ['w-1', 'w-2', 'w-3']) fleet.setNode(WEST, name, { at: T0, rack: 'ocid-rack-1' });

let ctx: MaintContext = maintContext({ fleet, config, clock });
const path = ctx.path;

/** Closes the store and opens it again, as a restarted process would. */
function restart(): void {
  ctx.db.close();
  ctx = maintContext({ fleet, config, clock, path });
  syncConfiguredMaintenances(ctx);
}

async function reconcileAt(time: string) {
  clock.set(time);
  const mark = lastOutboxId(ctx.db);
  await reconcileMaintenances(ctx);
  return outboxSince(ctx.db, mark);
}

afterAll(() => removeStore(ctx));

describe('restart', () => {
  it('resumes without posting anything twice', async () => {
    syncConfiguredMaintenances(ctx);
    expect(await reconcileAt(at(T0, hours(7)))).toHaveLength(2);
    restart();
    expect(await reconcileAt(at(T0, hours(7)))).toEqual([]);
    expect(await reconcileAt(at(START, -hours(1)))).toHaveLength(2);
    restart();
    expect(await reconcileAt(at(START, -hours(1)))).toEqual([]);
    const started = await reconcileAt(START);
    expect(getMaintenance(ctx.db, 'MX-40')?.state).toBe('in_progress');
    expect(
      started.filter((row) => row.kind === 'reply').map((row) => row.message_key.split(':').slice(3).join(':')),
    ).toEqual(['stage:start', 'stage:start', 'recovery', 'recovery']);
    restart();
    expect(await reconcileAt(START)).toEqual([]);
    const time = at(START, hours(1));
    fleet.setNode(EAST, 'e-1', { at: time, rack: 'r1', cordoned: true });
    const changed = await reconcileAt(time);
    expect(changed.map((row) => [row.kind, row.channel])).toEqual([['update', 'C0GPUEAST']]);
    restart();
    expect(await reconcileAt(time)).toEqual([]);
  });

  it('enqueues each post key once', () => {
    const firsts = outboxSince(ctx.db)
      .filter((row) => row.kind === 'post' || row.kind === 'reply')
      .map((row) => row.message_key);
    expect(new Set(firsts).size).toBe(firsts.length);
    // Two channels, each: thread root, 1h reply, start reply, recovery message.
    expect(firsts.length).toBe(8);
  });
});
