import { z } from 'zod';

/**
 * A duration written as a number and a unit: `90s`, `10m`, `1h`, `2d`, or a combination such as `1h30m`.
 * Parsed into milliseconds by {@link parseDuration}.
 */
export const durationSchema = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d|w))+$/, 'expected a duration such as 90s, 10m, 1h30m or 2d');

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Converts a duration such as `1h30m` to milliseconds, or throws with the value and the expected form. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(trimmed)) {
    throw new Error(`invalid duration "${text}": expected a number and a unit, such as 90s, 10m, 1h30m or 2d`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? 0);
  }
  return total;
}

export const VENDORS = ['aws', 'azure', 'gcp', 'oci', 'coreweave', 'generic'] as const;
export const MAINTENANCE_KINDS = ['firmware', 'security_patch', 'driver', 'reimage', 'hardware'] as const;

const slackChannelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel id such as C0123ABCD (not a #name)');
const slackUserGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id such as S0123ABCD');
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U0123ABCD or W0123ABCD');

export const clusterSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lowercase name of letters, digits and dashes'),
    vendor: z.enum(VENDORS),
    /** Kubeconfig context; omitted together with `kubeconfig` when `inCluster` is true. */
    context: z.string().min(1).optional(),
    /** Kubeconfig file; defaults to KUBECONFIG or ~/.kube/config. */
    kubeconfig: z.string().min(1).optional(),
    inCluster: z.boolean().default(false),
    channel: slackChannelId,
    /** Node label that names the rack; defaults to the vendor adapter's label. */
    rackLabel: z.string().min(1).optional(),
  })
  .strict()
  .refine((cluster) => cluster.inCluster || cluster.context !== undefined, {
    message: 'set either context (a kubeconfig context name) or inCluster: true',
    path: ['context'],
  });

export const teamSchema = z
  .object({
    name: z.string().min(1),
    userGroup: slackUserGroupId,
    namespaces: z.array(z.string().min(1)).min(1),
    /** Who is mentioned when an escalation reaches level 2 (nobody acknowledged the team's mention in time). */
    escalateTo: slackUserGroupId.optional(),
  })
  .strict();

export const alertingSchema = z
  .object({
    /** How long a pod must stay unschedulable before it counts toward an alert. */
    pendingAfter: durationSchema.default('10m'),
    /** How long an alert may stay unacknowledged before it escalates by itself. */
    escalateAfter: durationSchema.default('30m'),
    /** Snooze durations offered by the Snooze button. */
    snoozeChoices: z.array(durationSchema).min(1).max(10).default(['1h', '4h', '1d']),
    /** Team used for namespaces that no team declares. */
    defaultTeam: z.string().min(1).optional(),
  })
  .strict();

const scopeSchema = z
  .object({
    all: z.boolean().optional(),
    labelSelector: z.string().min(1).optional(),
    gpuProducts: z.array(z.string().min(1)).optional(),
    racks: z.array(z.string().min(1)).optional(),
    nodes: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const maintenanceConfigSchema = z
  .object({
    id: z.string().regex(/^MX-\d+$/, 'expected an id such as MX-12'),
    title: z.string().min(1),
    kind: z.enum(MAINTENANCE_KINDS),
    vendor: z.enum(VENDORS),
    owner: z.string().min(1),
    clusters: z
      .array(z.object({ cluster: z.string().min(1), scope: scopeSchema.default({ all: true }) }).strict())
      .min(1),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
  })
  .strict();

const customCheckSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('label'), name: z.string().min(1), label: z.string().min(1), value: z.string() }).strict(),
  z
    .object({
      type: z.literal('condition'),
      name: z.string().min(1),
      condition: z.string().min(1),
      status: z.enum(['True', 'False']),
    })
    .strict(),
  z
    .object({
      type: z.literal('allocatable'),
      name: z.string().min(1),
      resource: z.string().min(1),
      min: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);

export const validationSchema = z
  .object({
    /** Extended resources that must come back to the pre-maintenance allocatable, for example RDMA devices. */
    rdmaResources: z.array(z.string().min(1)).default([]),
    /** Node conditions that fail a node when True (node-problem-detector, NVSentinel, cloud conditions). */
    badConditions: z
      .array(z.string().min(1))
      .default(['GpuXidError', 'GpuNvlinkError', 'KernelDeadlock', 'ReadonlyFilesystem', 'FrequentKubeletRestart']),
    /** Taint keys that maintenance tooling places and that must be gone before a node returns. */
    maintenanceTaints: z.array(z.string().min(1)).default([]),
    /** How long a node must stay healthy after it returns before it counts as validated. */
    soak: durationSchema.default('10m'),
    /** Namespace of the GPU operator's validator pods. */
    gpuOperatorNamespace: z.string().min(1).default('gpu-operator'),
    custom: z.array(customCheckSchema).default([]),
  })
  .strict();

export const rolesSchema = z
  .object({
    /** Slack user ids or user group ids allowed to create, start, complete and cancel maintenances. */
    maintainers: z.array(z.union([slackUserId, slackUserGroupId])).default([]),
    /** Slack user ids or user group ids allowed to run remediations such as uncordon. */
    remediators: z.array(z.union([slackUserId, slackUserGroupId])).default([]),
  })
  .strict();

export const configSchema = z
  .object({
    clusters: z.array(clusterSchema).min(1),
    teams: z.array(teamSchema).default([]),
    alerting: alertingSchema.default({
      pendingAfter: '10m',
      escalateAfter: '30m',
      snoozeChoices: ['1h', '4h', '1d'],
    }),
    maintenance: z
      .object({
        /** Lead times before a maintenance's start at which it is announced. */
        announceBefore: z.array(durationSchema).default(['24h', '1h']),
        /** Allows Pitstop to write to clusters (uncordon). Off unless set. */
        allowClusterWrites: z.boolean().default(false),
        maintenances: z.array(maintenanceConfigSchema).default([]),
      })
      .strict()
      .default({ announceBefore: ['24h', '1h'], allowClusterWrites: false, maintenances: [] }),
    validation: validationSchema.default({
      rdmaResources: [],
      badConditions: ['GpuXidError', 'GpuNvlinkError', 'KernelDeadlock', 'ReadonlyFilesystem', 'FrequentKubeletRestart'],
      maintenanceTaints: [],
      soak: '10m',
      gpuOperatorNamespace: 'gpu-operator',
      custom: [],
    }),
    roles: rolesSchema.default({ maintainers: [], remediators: [] }),
    store: z.object({ path: z.string().min(1).default('pitstop.db') }).strict().default({ path: 'pitstop.db' }),
    slack: z
      .object({
        /** Web API base URL; only a local stand-in should override it. */
        apiUrl: z.url().default('https://slack.com/api/'),
        /** Port of the HTTP receiver (used when SLACK_APP_TOKEN is unset). */
        port: z.number().int().min(1).max(65535).default(3000),
      })
      .strict()
      .default({ apiUrl: 'https://slack.com/api/', port: 3000 }),
    notices: z
      .object({
        /** Port of the vendor notice intake endpoint; omitted means the endpoint is off. */
        port: z.number().int().min(1).max(65535).optional(),
        icalFeeds: z.array(z.object({ url: z.url(), vendor: z.enum(VENDORS) }).strict()).default([]),
      })
      .strict()
      .default({ icalFeeds: [] }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const clusterNames = new Set<string>();
    config.clusters.forEach((cluster, index) => {
      if (clusterNames.has(cluster.name)) {
        ctx.addIssue({ code: 'custom', path: ['clusters', index, 'name'], message: `duplicate cluster "${cluster.name}"` });
      }
      clusterNames.add(cluster.name);
    });
    const owners = new Map<string, string>();
    config.teams.forEach((team, teamIndex) => {
      team.namespaces.forEach((namespace, nsIndex) => {
        const owner = owners.get(namespace);
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['teams', teamIndex, 'namespaces', nsIndex],
            message: `namespace "${namespace}" is already owned by team "${owner}"`,
          });
        }
        owners.set(namespace, team.name);
      });
    });
    const defaultTeam = config.alerting.defaultTeam;
    if (defaultTeam !== undefined && !config.teams.some((team) => team.name === defaultTeam)) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'defaultTeam'],
        message: `team "${defaultTeam}" is not declared under teams`,
      });
    }
    config.maintenance.maintenances.forEach((maintenance, index) => {
      maintenance.clusters.forEach((entry, clusterIndex) => {
        if (!clusterNames.has(entry.cluster)) {
          ctx.addIssue({
            code: 'custom',
            path: ['maintenance', 'maintenances', index, 'clusters', clusterIndex, 'cluster'],
            message: `cluster "${entry.cluster}" is not declared under clusters`,
          });
        }
      });
      if (Date.parse(maintenance.end) <= Date.parse(maintenance.start)) {
        ctx.addIssue({
          code: 'custom',
          path: ['maintenance', 'maintenances', index, 'end'],
          message: 'end must be after start',
        });
      }
    });
  });

export type PitstopConfig = z.infer<typeof configSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type TeamConfig = z.infer<typeof teamSchema>;
export type MaintenanceConfig = z.infer<typeof maintenanceConfigSchema>;
export type MaintenanceScope = z.infer<typeof scopeSchema>;
export type CustomCheck = z.infer<typeof customCheckSchema>;
export type ValidationConfig = z.infer<typeof validationSchema>;
export type Vendor = (typeof VENDORS)[number];
export type MaintenanceKind = (typeof MAINTENANCE_KINDS)[number];
