import { z } from 'zod';
import { configRuleIssues } from './rules.js';

/** Maximum duration the config accepts: a year. A longer value is almost always a typo of the unit. */
export const MAX_DURATION_MS = 365 * 86_400_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/i;

/**
 * Converts a duration such as `1h30m`, `1.5h` or `4H` to milliseconds (rounded to whole milliseconds). Units
 * are ms, s, m (minutes), h, d and w, in any case. Throws naming the value when the text is not a duration.
 * It sets no upper bound, so callers apply their own: {@link durationSchema} caps config values at
 * {@link MAX_DURATION_MS}, and the result is Infinity for digits past the float range.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new Error(`invalid duration "${text}": expected a number and a unit, such as 90s, 10m, 1.5h, 1h30m or 2d`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gi)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!.toLowerCase()] ?? 0);
  }
  return Math.round(total);
}

/**
 * A duration written as a number and a unit: `90s`, `10m`, `1.5h`, `2d`, or a combination such as `1h30m`,
 * at most a year. Parsed into milliseconds by {@link parseDuration}.
 */
export const durationSchema = z.string().superRefine((text, ctx) => {
  if (!DURATION.test(text.trim())) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 90s, 10m, 1h30m or 2d' });
    return;
  }
  if (parseDuration(text) > MAX_DURATION_MS) {
    ctx.addIssue({
      code: 'custom',
      message: `duration "${text}" is longer than the maximum of 365d: use a shorter value, such as 30d`,
    });
  }
});

export const VENDORS = ['aws', 'azure', 'gcp', 'oci', 'coreweave', 'generic'] as const;
export const MAINTENANCE_KINDS = ['firmware', 'security_patch', 'driver', 'reimage', 'hardware'] as const;

const slackChannelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel id such as C0123ABCD (not a #name)');
const slackUserGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id such as S0123ABCD');
/** A Slack user id or user group id; one regex, because a union of two reports only "Invalid input". */
const slackUserOrGroupId = z
  .string()
  .regex(
    /^[UWS][A-Z0-9]{2,}$/,
    'expected a Slack user id (U… or W…, such as U0123ABCD) or a user group id (S…, such as S0123ABCD), not a name',
  );

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
    snoozeChoices: z
      .array(durationSchema)
      .min(1)
      .max(10, 'at most 10 snooze choices: the Snooze menu offers each one, and a longer menu is hard to use')
      .default(['1h', '4h', '1d']),
    /** Team used for namespaces that no team declares. */
    defaultTeam: z.string().min(1).optional(),
  })
  .strict();

/** The nodes of a cluster that a maintenance covers; load.ts checks the combination with `compileScope`. */
export const scopeSchema = z
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
    maintainers: z.array(slackUserOrGroupId).default([]),
    /** Slack user ids or user group ids allowed to run remediations such as uncordon. */
    remediators: z.array(slackUserOrGroupId).default([]),
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
    for (const issue of configRuleIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
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
