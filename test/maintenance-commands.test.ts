import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maintenanceSubcommands } from '../src/handlers/maintenance.js';
import { UsageError, type SubcommandReply } from '../src/handlers/subcommands.js';
import { reconcileMaintenances } from '../src/jobs/maintenance.js';
import { createMaintenance } from '../src/maintenance/lifecycle.js';
import { getMaintenance } from '../src/maintenance/store.js';
import { startSlackStandIn, type SlackStandIn } from '../src/standins/slack-api.js';
import {
  at,
  EAST,
  EAST_CHANNEL,
  hours,
  maintConfig,
  maintContext,
  MAINTAINER,
  OWNER,
  RecordingWriter,
  REMEDIATOR,
  removeStore,
  TestFleet,
  type MaintContext,
} from './maintenance-fixtures.js';

const TOKEN = 'xoxb-maint-commands';
const OTHER = 'U0OTHER';
const T0 = '2026-03-01T00:00:00Z';

let slack: SlackStandIn;
let client: WebClient;
let ctx: MaintContext;

beforeAll(async () => {
  slack = await startSlackStandIn({
    botToken: TOKEN,
    channels: [{ id: EAST_CHANNEL, name: 'gpu-east' }],
    users: [MAINTAINER, REMEDIATOR, OTHER, OWNER].map((id) => ({ id, name: id.toLowerCase() })),
  });
  client = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
});

afterAll(async () => {
  await slack.close();
});

beforeEach(async () => {
  if (ctx) removeStore(ctx);
  ctx = maintContext({ fleet: new TestFleet(), start: T0 });
  for (const name of ['e-1', 'e-2']) ctx.fleet.setNode(EAST, name, { at: T0, rack: 'r1' });
  createMaintenance(
    ctx,
    {
      title: 'GPU driver 570',
      kind: 'driver',
      vendor: 'coreweave',
      owner: OWNER,
      clusters: [{ cluster: EAST, scope: { all: true } }],
      start: at(T0, hours(2)),
      end: at(T0, hours(6)),
    },
    { source: 'slack', actor: MAINTAINER },
  );
  await reconcileMaintenances(ctx);
});

afterAll(() => removeStore(ctx));

async function run(text: string, user = MAINTAINER): Promise<SubcommandReply> {
  const [name, ...args] = text.split(/\s+/);
  const subcommand = maintenanceSubcommands.find((candidate) => candidate.name === name)!;
  return subcommand.run({
    ctx,
    args,
    userId: user,
    channelId: EAST_CHANNEL,
    triggerId: slack.issueTriggerId({ user }),
    client,
  });
}

async function usageError(text: string): Promise<UsageError> {
  try {
    await run(text);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`"${text}" did not raise a usage error`);
}

describe('maint commands', () => {
  it('answers malformed input with usage', async () => {
    expect((await usageError('maint')).message).toBe('maint needs a subcommand');
    const unknown = await usageError('maint frobnicate');
    expect(unknown.message).toBe('unknown maint subcommand "frobnicate"');
    expect(unknown.usage).toContain('`/pitstop maint uncordon ID`');
    expect((await usageError('maint show 12')).message).toBe(
      '"12" is not a maintenance id; expected one such as MX-12',
    );
    expect((await usageError('maint start')).message).toBe(
      'maint start takes exactly one maintenance id, such as MX-12',
    );
    expect((await usageError('maint list now')).message).toBe('maint list takes no arguments');
    expect((await usageError('recovery')).message).toBe('recovery takes exactly one maintenance id, such as MX-12');
  });

  it('lists and shows maintenances', async () => {
    const list = await run('maint list', OTHER);
    expect(list.text).toContain('• *MX-1* GPU driver 570 · announced');
    expect(list.text).toContain('0/2 nodes validated');
    const show = await run('maint show mx-1', OTHER);
    expect(show.text).toContain('*MX-1* GPU driver 570');
    expect(show.text).toContain(`owner <@${OWNER}>`);
    expect(show.text).toContain('Cluster *gpu-east*: all nodes');
    expect(show.text).toContain('announced');
    expect((await run('maint show MX-99')).text).toBe(
      'Maintenance MX-99 not found. `/pitstop maint list` shows the ids.',
    );
  });

  it('lets only maintainers change a maintenance', async () => {
    const refused = await run('maint start MX-1', OTHER);
    expect(refused.text).toBe(
      `Only roles.maintainers may create, start, complete and cancel maintenances, and <@${OTHER}> is not in it: ask an admin to add your user id or one of your user groups to roles.maintainers.`,
    );
    expect(getMaintenance(ctx.db, 'MX-1')?.state).toBe('announced');
    expect((await run('maint start MX-1')).text).toBe('MX-1 is now in progress.');
    expect((await run('maint cancel MX-1')).text).toBe('MX-1 is now cancelled.');
    expect((await run('maint complete MX-1')).text).toContain('MX-1 is cancelled, so it cannot complete');
  });

  it('says how to fix an empty role', async () => {
    ctx.config = maintConfig({ roles: { maintainers: [], remediators: [] } });
    expect((await run('maint cancel MX-1')).text).toContain('roles.maintainers is empty in the config, so nobody may');
  });

  it('opens the create form only for maintainers', async () => {
    const opens = () => slack.calls.filter((call) => call.method === 'views.open').length;
    const before = opens();
    expect((await run('maint create', OTHER)).text).toContain('Only roles.maintainers');
    expect(opens()).toBe(before);
    expect((await run('maint create')).text).toBe('Opened the new maintenance form.');
    const call = slack.calls.filter((entry) => entry.method === 'views.open').at(-1)!;
    const view = call.arguments.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id: string }[];
    };
    expect(view.callback_id).toBe('maintenance_create_modal');
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: EAST_CHANNEL });
    expect(view.blocks.map((block) => block.block_id)).toContain('maintenance_scope_value');
  });

  it('refuses uncordon by role and without cluster writes', async () => {
    expect((await run('maint uncordon MX-1', MAINTAINER)).text).toContain(
      'Only roles.remediators may run remediations such as uncordon',
    );
    expect((await run('maint uncordon MX-1', REMEDIATOR)).text).toContain(
      'Uncordon is off: Pitstop writes to clusters only when `maintenance.allowClusterWrites: true`',
    );
    ctx.config = maintConfig({ maintenance: { allowClusterWrites: true } });
    ctx.writer = new RecordingWriter(ctx.fleet);
    expect((await run('maint uncordon MX-1', REMEDIATOR)).text).toContain('No node of MX-1 is ready to uncordon');
  });

  it('shows the recovery message', async () => {
    await run('maint start MX-1');
    await reconcileMaintenances(ctx);
    const reply = await run('recovery MX-1', OTHER);
    expect(reply.text).toBe('MX-1 recovery: 0/2 nodes validated, 0/16 GPUs back, 2 nodes in the long tail.');
    expect(JSON.stringify(reply.blocks)).toContain('Not started');
  });
});
