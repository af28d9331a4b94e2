import { afterEach, describe, expect, it } from 'vitest';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { SYNC_GRACE_MS } from '../src/maintenance/announce.js';
import {
  createMaintenance,
  MaintenanceInputError,
  runLifecycleCommand,
  syncConfiguredMaintenances,
} from '../src/maintenance/lifecycle.js';
import { getMaintenance } from '../src/maintenance/store.js';
import {
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  lastOutboxId,
  maintConfig,
  maintContext,
  MAINTAINER,
  ML_GROUP,
  OWNER,
  outboxSince,
  removeStore,
  runningPod,
  TestFleet,
  WEST,
  WEST_CHANNEL,
  type MaintContext,
} from './maintenance-fixtures.js';

const T0 = '2026-03-01T00:00:00Z';
let ctx: MaintContext;

function setup(fleet = new TestFleet()): MaintContext {
  ctx = maintContext({ fleet, start: T0 });
  for (const name of ['e-1', 'e-2']) fleet.setNode(EAST, name, { at: T0, rack: 'r1' });
  for (const name of ['w-1', 'w-2', 'w-3']) fleet.setNode(WEST, name, { at: T0, rack: 'ocid-rack-1' });
  fleet.running.set(EAST, [runningPod(EAST, 'ml-train', 'trainer-0', 'e-1', { gpus: 8 })]);
  fleet.running.set(WEST, [runningPod(WEST, 'ml-train', 'trainer-1', 'w-2', { gpus: 8 })]);
  return ctx;
}

function create(start: string, end: string, clusters = [EAST, WEST], kind: 'driver' | 'firmware' = 'driver') {
  return createMaintenance(
    ctx,
    {
      title: 'Driver rollout',
      kind,
      vendor: 'generic',
      owner: OWNER,
      clusters: clusters.map((cluster) => ({ cluster, scope: { all: true } })),
      start,
      end,
    },
    { source: 'slack', actor: MAINTAINER },
  );
}

async function reconcileAt(time: string) {
  ctx.clock.set(time);
  const mark = lastOutboxId(ctx.db);
  await reconcileMaintenances(ctx);
  return outboxSince(ctx.db, mark);
}

afterEach(() => removeStore(ctx));

describe('announcements', () => {
  it('posts one thread per channel, each with its own clusters', async () => {
    setup();
    create(at(T0, hours(30)), at(T0, hours(34)));
    const rows = await reconcileAt(at(T0, hours(6)));
    expect(rows.map((row) => [row.kind, row.channel, row.message_key])).toEqual([
      ['post', EAST_CHANNEL, `maint:MX-1:${EAST_CHANNEL}:thread`],
      ['post', WEST_CHANNEL, `maint:MX-1:${WEST_CHANNEL}:thread`],
    ]);
    expect(rows[0]!.payload.text).toContain('2 nodes, 16 GPUs');
    expect(rows[1]!.payload.text).toContain('3 nodes, 24 GPUs');
    // The team runs in both clusters; each channel's thread mentions it once.
    for (const row of rows) expect(JSON.stringify(row.payload.blocks).split(`<!subteam^${ML_GROUP}>`)).toHaveLength(2);
  });

  it('posts each lead time once, however often it runs', async () => {
    setup();
    create(at(T0, hours(30)), at(T0, hours(34)));
    const times = [
      hours(5),
      hours(6),
      hours(6),
      hours(12),
      hours(29),
      hours(29) + 60_000,
      hours(29) + 120_000,
      hours(30),
      hours(30) + 60_000,
    ];
    const posted: string[] = [];
    for (const offset of times) {
      const rows = await reconcileAt(at(T0, offset));
      posted.push(
        ...rows
          .filter(
            (row) => row.channel === EAST_CHANNEL && !row.message_key.endsWith(':recovery') && row.kind !== 'update',
          )
          .map((row) => row.message_key),
      );
    }
    expect(posted).toEqual([
      `maint:MX-1:${EAST_CHANNEL}:thread`,
      `maint:MX-1:${EAST_CHANNEL}:stage:lead:1h`,
      `maint:MX-1:${EAST_CHANNEL}:stage:start`,
    ]);
  });

  it('skips lead times already passed', async () => {
    setup();
    create(at(T0, 30 * 60_000), at(T0, hours(4)));
    const rows = await reconcileAt(T0);
    expect(rows.filter((row) => row.channel === EAST_CHANNEL).map((row) => row.kind)).toEqual(['post']);
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('announced');
    const later = await reconcileAt(at(T0, 20 * 60_000));
    expect(later).toEqual([]);
  });

  it('announces only the end for a window already over', async () => {
    setup();
    create(at(T0, -hours(8)), at(T0, -hours(4)), [EAST], 'firmware');
    const rows = await reconcileAt(T0);
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('recovering');
    const thread = rows.find((row) => row.kind === 'post')!;
    expect(thread.payload.text).toContain('recovering');
    expect(rows.map((row) => row.message_key)).not.toContain(`maint:MX-1:${EAST_CHANNEL}:stage:start`);
  });

  it('completes a past no-reboot window at once', async () => {
    setup();
    create(at(T0, -hours(8)), at(T0, -hours(4)), [EAST], 'driver');
    const rows = await reconcileAt(T0);
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('completed');
    expect(rows.find((row) => row.kind === 'post')!.payload.text).toContain('completed');
  });

  it('waits for an unsynced cluster, then posts', async () => {
    const fleet = new TestFleet();
    setup(fleet);
    fleet.unsynced.add(WEST);
    create(at(T0, hours(1)), at(T0, hours(4)));
    const first = await reconcileAt(T0);
    expect(first.map((row) => row.channel)).toEqual([EAST_CHANNEL]);
    const waiting = await reconcileAt(at(T0, SYNC_GRACE_MS - 1000));
    expect(waiting).toEqual([]);
    const late = await reconcileAt(at(T0, SYNC_GRACE_MS));
    expect(late.map((row) => row.channel)).toEqual([WEST_CHANNEL]);
    expect(JSON.stringify(late[0]!.payload.blocks)).toContain(
      'node list not loaded yet, so the blast radius is unknown',
    );
  });

  it('names a failed pod list instead of hiding it', async () => {
    const fleet = new TestFleet();
    setup(fleet);
    fleet.podListFailure = new Error('HTTP 503 Service Unavailable');
    create(at(T0, hours(1)), at(T0, hours(4)), [EAST]);
    const rows = await reconcileAt(T0);
    expect(JSON.stringify(rows[0]!.payload.blocks)).toContain(
      'listing pods failed, teams may be missing: HTTP 503 Service Unavailable',
    );
  });

  it('announces a cancellation only where a thread exists', async () => {
    setup();
    create(at(T0, hours(2)), at(T0, hours(4)), [EAST]);
    create(at(T0, hours(40)), at(T0, hours(44)), [WEST]);
    await reconcileAt(T0);
    expect(runLifecycleCommand(ctx, 'cancel', 'MX-1', MAINTAINER).ok).toBe(true);
    expect(runLifecycleCommand(ctx, 'cancel', 'MX-2', MAINTAINER).ok).toBe(true);
    const rows = await reconcileAt(at(T0, 60_000));
    expect(rows.map((row) => [row.kind, row.message_key])).toEqual([
      ['reply', `maint:MX-1:${EAST_CHANNEL}:stage:cancelled`],
      ['update', `maint:MX-1:${EAST_CHANNEL}:thread`],
    ]);
    expect(rows[0]!.payload.text).toContain('cancelled');
    expect(JSON.stringify(rows[1]!.payload.blocks)).toContain(`*Cancelled* `);
    expect(await reconcileAt(at(T0, hours(3)))).toEqual([]);
  });

  it('starts early by command and says who', async () => {
    setup();
    create(at(T0, hours(10)), at(T0, hours(14)), [EAST]);
    await reconcileAt(T0);
    expect(runLifecycleCommand(ctx, 'start', 'MX-1', MAINTAINER)).toEqual({
      ok: true,
      message: 'MX-1 is now in progress.',
    });
    expect(runLifecycleCommand(ctx, 'start', 'MX-1', MAINTAINER).message).toContain(
      'MX-1 is in progress, so it cannot start',
    );
    const rows = await reconcileAt(at(T0, 60_000));
    expect(rows.map((row) => row.message_key)).toContain(`maint:MX-1:${EAST_CHANNEL}:stage:start`);
    expect(getMaintenance(ctx.db, 'MX-1')).toMatchObject({
      state: 'in_progress',
      startedAt: new Date(T0).toISOString(),
    });
    expect(runLifecycleCommand(ctx, 'complete', 'MX-1', MAINTAINER).ok).toBe(true);
    const done = await reconcileAt(at(T0, 120_000));
    const completed = done.find((row) => row.message_key.endsWith(':stage:completed'))!;
    expect(JSON.stringify(completed.payload.blocks)).toContain(`by <@${MAINTAINER}>`);
  });
});

describe('creating maintenances', () => {
  it('takes the next free id and rejects bad input by field', () => {
    setup();
    expect(create(at(T0, hours(1)), at(T0, hours(2))).id).toBe('MX-1');
    expect(create(at(T0, hours(1)), at(T0, hours(2))).id).toBe('MX-2');
    const bad = (input: Partial<Parameters<typeof createMaintenance>[1]>, field: string, text: string) => {
      const base = {
        title: 't',
        kind: 'driver' as const,
        vendor: 'generic' as const,
        owner: OWNER,
        clusters: [{ cluster: EAST, scope: { all: true } }],
        start: at(T0, hours(1)),
        end: at(T0, hours(2)),
      };
      try {
        createMaintenance(ctx, { ...base, ...input });
        throw new Error('expected a MaintenanceInputError');
      } catch (error) {
        expect(error).toBeInstanceOf(MaintenanceInputError);
        expect((error as MaintenanceInputError).field).toBe(field);
        expect((error as Error).message).toContain(text);
      }
    };
    bad({ end: at(T0, hours(1)) }, 'end', 'is not after start');
    bad({ start: 'next tuesday' }, 'start', 'start "next tuesday" is not a date');
    bad(
      { clusters: [{ cluster: 'gpu-north', scope: { all: true } }] },
      'clusters',
      'cluster "gpu-north" is not declared under clusters (declared: gpu-east, gpu-west)',
    );
    bad(
      { clusters: [{ cluster: EAST, scope: { labelSelector: 'pool in ()' } }] },
      'scope',
      'cluster gpu-east: invalid label selector',
    );
    bad({ title: '  ' }, 'title', 'the title is empty');
    bad({ id: 'MX-1' }, 'id', 'maintenance MX-1 already exists');
  });

  it('returns the same maintenance for the same external key', () => {
    setup();
    const origin = { source: 'notice' as const, actor: 'aws', externalKey: 'aws:instance-event-0abc' };
    const input = {
      title: 'Host reboot',
      kind: 'hardware' as const,
      vendor: 'aws' as const,
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { nodes: ['e-1'] } }],
      start: at(T0, hours(1)),
      end: at(T0, hours(2)),
    };
    const first = createMaintenance(ctx, input, origin);
    expect(createMaintenance(ctx, input, origin).id).toBe(first.id);
    expect(first).toMatchObject({ source: 'notice', createdBy: 'aws', requiresReboot: true });
  });

  it('rejects a config id taken from Slack', () => {
    setup();
    create(at(T0, hours(1)), at(T0, hours(2)));
    const entry = {
      id: 'MX-1',
      title: 'x',
      kind: 'firmware',
      vendor: 'aws',
      owner: OWNER,
      clusters: [{ cluster: EAST }],
      start: at(T0, hours(5)),
      end: at(T0, hours(6)),
    };
    const other = { ...entry, id: 'MX-7' };
    ctx.config = maintConfig({ maintenance: { maintenances: [other, entry] } });
    expect(() => syncConfiguredMaintenances(ctx)).toThrow(
      'maintenance.maintenances[1] (MX-1): MX-1 already exists, created from slack',
    );
    expect(getMaintenance(ctx.db, 'MX-7')).toBeUndefined();
  });

  it('updates the plan of a configured maintenance that changed', () => {
    setup();
    const entry = {
      id: 'MX-7',
      title: 'x',
      kind: 'firmware',
      vendor: 'aws',
      owner: OWNER,
      clusters: [{ cluster: EAST }],
      start: at(T0, hours(5)),
      end: at(T0, hours(6)),
    };
    ctx.config = maintConfig({ maintenance: { maintenances: [entry] } });
    syncConfiguredMaintenances(ctx);
    ctx.config = maintConfig({ maintenance: { maintenances: [{ ...entry, end: at(T0, hours(8)) }] } });
    expect(syncConfiguredMaintenances(ctx)).toEqual({ created: [], updated: ['MX-7'], unchanged: [] });
    expect(getMaintenance(ctx.db, 'MX-7')?.windowEnd).toBe(at(T0, hours(8)));
  });
});
