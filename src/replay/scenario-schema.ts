import { z } from 'zod';
import { durationSchema } from '../config/schema.js';

/**
 * `+10m` (an offset from the scenario's start) or an ISO 8601 time with an offset, such as `2025-06-10T10:00:00Z`.
 * YAML reads an unquoted `+0` as the number 0, so 0 is taken as `+0`.
 */
export const stepTimeSchema = z.preprocess(
  (value) => (value === 0 ? '+0' : value),
  z.union([z.string().regex(/^\+(0|(\d+(ms|s|m|h|d|w))+)$/), z.iso.datetime({ offset: true })], {
    error: 'expected an offset from the start such as +10m or +1h30m, or an ISO time such as 2025-06-10T10:00:00Z',
  }),
);

const slackId = (pattern: RegExp, example: string) =>
  z.string().regex(pattern, `expected a Slack id such as ${example}`);

export const slackDirectorySchema = z
  .object({
    channels: z
      .array(z.object({ id: slackId(/^[CG][A-Z0-9]{2,}$/, 'C0123ABCD'), name: z.string().regex(/^[a-z0-9._-]+$/) }).strict())
      .min(1),
    users: z
      .array(
        z
          .object({
            id: slackId(/^[UW][A-Z0-9]{2,}$/, 'U0123ABCD'),
            name: z.string().min(1),
            realName: z.string().min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    userGroups: z
      .array(
        z
          .object({
            id: slackId(/^S[A-Z0-9]{2,}$/, 'S0123ABCD'),
            handle: z.string().min(1),
            name: z.string().min(1).optional(),
            users: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** A reference to a Kubernetes object, as `kubectl delete KIND NAME -n NAMESPACE` names it. */
export const objectRefSchema = z
  .object({ kind: z.enum(['Node', 'Pod']), namespace: z.string().min(1).optional(), name: z.string().min(1) })
  .strict();

const fileSourceSchema = z.object({ file: z.string().min(1) }).strict();

/** An inline object or List: anything with a `kind`, checked item by item when the scenario loads. */
const inlineObjectSchema = z.looseObject({ kind: z.string().min(1) });

/** Selects an alert by its stored fields: all given fields must match one open alert. */
export const alertSelectorSchema = z.union([
  z.string().regex(/^[A-Z]+-\d+$/, 'expected an alert reference such as AL-1'),
  z
    .object({
      cluster: z.string().min(1).optional(),
      team: z.string().min(1).optional(),
      maintenance: z.string().min(1).optional(),
      /** Text the alert's summary contains. */
      text: z.string().min(1).optional(),
    })
    .strict()
    .refine((selector) => Object.keys(selector).length > 0, 'name at least one of cluster, team, maintenance, text'),
]);

export const BUTTONS = ['acknowledge', 'escalate', 'snooze'] as const;

export const stepActionSchemas = {
  apply: z.union([fileSourceSchema, inlineObjectSchema], {
    error: 'expected { file: PATH } or a Kubernetes object or List with a kind',
  }),
  delete: z.union([fileSourceSchema, objectRefSchema, z.array(objectRefSchema).min(1)], {
    error: 'expected { kind, namespace, name }, a list of them, or { file: PATH } naming the objects to delete',
  }),
  click: z
    .object({
      user: z.string().min(1),
      button: z.enum(BUTTONS),
      alert: alertSelectorSchema.optional(),
      maintenance: z.string().regex(/^MX-\d+$/, 'expected a maintenance id such as MX-12').optional(),
      /** For snooze, the duration chosen, such as 1h. */
      value: z.string().min(1).optional(),
    })
    .strict()
    .refine((click) => (click.alert === undefined) !== (click.maintenance === undefined), {
      message: 'name exactly one of alert or maintenance: the message whose button is clicked',
    }),
  command: z
    .object({
      user: z.string().min(1),
      channel: z.string().min(1),
      text: z.string().regex(/^\/[a-z0-9_-]+( .*)?$/, 'expected a slash command such as /pitstop ack AL-1'),
      /** Fills `{alert}` in the text with the selected alert's reference. */
      alert: alertSelectorSchema.optional(),
    })
    .strict(),
  advance: z.object({ for: durationSchema, every: durationSchema.optional() }).strict(),
  expect: z
    .object({
      channel: z.string().min(1),
      contains: z.array(z.string().min(1)).default([]),
      lacks: z.array(z.string().min(1)).default([]),
    })
    .strict()
    .refine((expect) => expect.contains.length + expect.lacks.length > 0, 'list at least one text under contains or lacks'),
} as const;

export type StepAction = keyof typeof stepActionSchemas;
export const STEP_ACTIONS = Object.keys(stepActionSchemas) as StepAction[];

/** Fields every step may carry besides its one action. */
export const stepCommonSchema = z
  .object({
    at: stepTimeSchema,
    /** Cluster an apply or delete step acts on; may be omitted when the config has one cluster. */
    cluster: z.string().min(1).optional(),
    /** One line shown in the replay's timeline. */
    note: z.string().min(1).optional(),
  })
  .strict();

export const scenarioFileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase name of letters, digits and dashes'),
    description: z.string().min(1),
    start: z.iso.datetime({ offset: true }),
    /** Default interval between rule passes while an advance step lets time pass. */
    tick: durationSchema.default('5m'),
    slack: slackDirectorySchema,
    /** A Pitstop config; clusters need no context or kubeconfig because the replay provides both. */
    config: z.record(z.string(), z.unknown()),
    steps: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .strict();

export type SlackDirectory = z.infer<typeof slackDirectorySchema>;
export type ObjectRef = z.infer<typeof objectRefSchema>;
export type AlertSelector = z.infer<typeof alertSelectorSchema>;
export type Button = (typeof BUTTONS)[number];
export type ClickAction = z.infer<(typeof stepActionSchemas)['click']>;
export type CommandAction = z.infer<(typeof stepActionSchemas)['command']>;
export type ExpectAction = z.infer<(typeof stepActionSchemas)['expect']>;
