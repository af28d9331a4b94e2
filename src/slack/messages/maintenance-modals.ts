import { MAINTENANCE_KINDS, VENDORS, type PitstopConfig } from '../../config/schema.js';
import type { LandingPods, UncordonCandidate } from '../../maintenance/remediation.js';
import type { Maintenance } from '../../maintenance/model.js';
import { escapeMrkdwn, joinWithMore, LIMITS, truncate } from './common.js';
import { MAINTENANCE_VIEW_IDS, plural } from './maintenance-common.js';

/** Block and action ids of the create form; the submission handler reads `state.values[block][CREATE_ACTION]`. */
export const CREATE_BLOCKS = {
  title: 'maintenance_title',
  kind: 'maintenance_kind',
  vendor: 'maintenance_vendor',
  owner: 'maintenance_owner',
  clusters: 'maintenance_clusters',
  scopeType: 'maintenance_scope_type',
  scopeValue: 'maintenance_scope_value',
  start: 'maintenance_start',
  end: 'maintenance_end',
} as const;
export const CREATE_ACTION = 'value';

/** Scope forms the create form offers; the value field is read according to the chosen form. */
export const SCOPE_TYPES = {
  all: 'All nodes',
  labelSelector: 'Label selector',
  gpuProducts: 'GPU products (nvidia.com/gpu.product)',
  racks: 'Racks',
  nodes: 'Node names',
} as const;
export type ScopeType = keyof typeof SCOPE_TYPES;

const KIND_LABELS: Record<(typeof MAINTENANCE_KINDS)[number], string> = {
  firmware: 'Firmware',
  security_patch: 'Security patch',
  driver: 'Driver',
  reimage: 'Reimage',
  hardware: 'Hardware',
};

function option(value: string, text: string): { text: { type: 'plain_text'; text: string }; value: string } {
  return { text: { type: 'plain_text', text: truncate(text, LIMITS.optionText) }, value };
}

function input(
  blockId: string,
  label: string,
  element: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): unknown {
  return {
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: label },
    element: { action_id: CREATE_ACTION, ...element },
    ...extra,
  };
}

/** Private metadata of the create form, carried from opening to submission. */
export interface CreateFormMetadata {
  channel: string;
}

/**
 * Builds the "New maintenance" modal: title, kind, vendor, owner, clusters, one scope for all chosen clusters,
 * and the window as two date-time pickers starting one day and one day plus four hours from `now`.
 * @see https://docs.slack.dev/reference/block-kit/block-elements/datetime-picker-element
 */
export function createMaintenanceModal(
  config: PitstopConfig,
  options: { now: Date; user: string; metadata: CreateFormMetadata },
): Record<string, unknown> {
  const start = Math.floor(options.now.getTime() / 3_600_000) * 3600 + 86_400;
  const clusters = config.clusters.slice(0, LIMITS.selectOptions).map((cluster) => option(cluster.name, cluster.name));
  const blocks = [
    input(CREATE_BLOCKS.title, 'Title', {
      type: 'plain_text_input',
      max_length: 150,
      placeholder: { type: 'plain_text', text: 'NIC firmware security patch' },
    }),
    input(CREATE_BLOCKS.kind, 'Kind', {
      type: 'static_select',
      options: MAINTENANCE_KINDS.map((kind) => option(kind, KIND_LABELS[kind])),
    }),
    input(CREATE_BLOCKS.vendor, 'Vendor', {
      type: 'static_select',
      options: VENDORS.map((vendor) => option(vendor, vendor)),
    }),
    input(CREATE_BLOCKS.owner, 'Owner', { type: 'users_select', initial_user: options.user }),
    input(CREATE_BLOCKS.clusters, 'Clusters', { type: 'multi_static_select', options: clusters }),
    input(CREATE_BLOCKS.scopeType, 'Scope', {
      type: 'static_select',
      initial_option: option('all', SCOPE_TYPES.all),
      options: Object.entries(SCOPE_TYPES).map(([value, text]) => option(value, text)),
    }),
    input(
      CREATE_BLOCKS.scopeValue,
      'Scope value',
      {
        type: 'plain_text_input',
        placeholder: { type: 'plain_text', text: 'nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3' },
      },
      {
        optional: true,
        hint: {
          type: 'plain_text',
          text: 'A label selector, or a comma-separated list of GPU products, racks or node names. Leave empty for all nodes.',
        },
      },
    ),
    input(CREATE_BLOCKS.start, 'Window start', { type: 'datetimepicker', initial_date_time: start }),
    input(CREATE_BLOCKS.end, 'Expected end', { type: 'datetimepicker', initial_date_time: start + 4 * 3600 }),
  ];
  return {
    type: 'modal',
    callback_id: MAINTENANCE_VIEW_IDS.create,
    title: { type: 'plain_text', text: 'New maintenance' },
    submit: { type: 'plain_text', text: 'Create' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(options.metadata),
    blocks,
  };
}

/** Private metadata of the uncordon confirmation: the maintenance, the candidates' fingerprint and the channel to reply in. */
export interface UncordonFormMetadata {
  maintenanceId: string;
  fingerprint: string;
  channel: string | null;
}

/**
 * Builds the uncordon confirmation: the nodes that will be uncordoned and the pending pods likely to land on
 * them. `notice` (such as "the list changed") is shown on top when set.
 */
export function uncordonModal(input: {
  maintenance: Maintenance;
  candidates: UncordonCandidate[];
  landing: LandingPods;
  metadata: UncordonFormMetadata;
  notice?: string;
}): Record<string, unknown> {
  const blocks: unknown[] = [];
  if (input.notice) blocks.push(section('uncordon_notice', `:warning: ${escapeMrkdwn(input.notice)}`));
  blocks.push(
    section('uncordon_nodes', nodesText(input.maintenance, input.candidates)),
    section('uncordon_pods', landingText(input.landing)),
    {
      type: 'context',
      block_id: 'uncordon_rules',
      elements: [{ type: 'mrkdwn', text: UNCORDON_RULES }],
    },
  );
  return {
    type: 'modal',
    callback_id: MAINTENANCE_VIEW_IDS.uncordon,
    title: { type: 'plain_text', text: 'Uncordon nodes' },
    ...(input.candidates.length > 0 ? { submit: { type: 'plain_text', text: 'Uncordon' } } : {}),
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(input.metadata),
    blocks,
  };
}

const UNCORDON_RULES =
  'Only nodes that pass every check but the cordon, whose cordon came with this maintenance and that no other ' +
  'controller holds, are listed. Nothing else is changed.';

function section(blockId: string, text: string): unknown {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function nodesText(maintenance: Maintenance, candidates: UncordonCandidate[]): string {
  const gpus = candidates.reduce((sum, candidate) => sum + candidate.gpus, 0);
  const names = candidates.map((candidate) => `\`${escapeMrkdwn(candidate.cluster)}/${escapeMrkdwn(candidate.node)}\``);
  const list = joinWithMore(names, { maxItems: 200, maxChars: 2600 });
  return `*Uncordon ${plural(candidates.length, 'node')} of ${maintenance.id}* (${plural(gpus, 'GPU')}):\n${list}`;
}

function landingText(landing: LandingPods): string {
  if (landing.count === 0) return 'No pending pod is waiting for these nodes now.';
  const names = landing.names.map((name) => `\`${escapeMrkdwn(name)}\``);
  const list = joinWithMore(names, { maxItems: 50, maxChars: 2400 });
  return `*${plural(landing.count, 'pending pod')}* (${plural(landing.gpus, 'GPU')}) will likely schedule onto them:\n${list}`;
}
