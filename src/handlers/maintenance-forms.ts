import type { MaintenanceScope } from '../config/schema.js';
import type { MaintenanceInputError } from '../maintenance/lifecycle.js';
import type { MaintenanceInput } from '../maintenance/model.js';
import {
  CREATE_ACTION,
  CREATE_BLOCKS,
  SCOPE_TYPES,
  type CreateFormMetadata,
  type ScopeType,
  type UncordonFormMetadata,
} from '../slack/messages/maintenance-modals.js';

/** One input's state as Slack sends it in `view.state.values[block][action]`. */
interface InputState {
  type?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
  selected_user?: string | null;
  selected_date_time?: number | null;
}

export type FormValues = Record<string, Record<string, InputState>>;

/** Block errors as `response_action: 'errors'` takes them: block id to message. */
export type FormErrors = Record<string, string>;

function field(values: FormValues, block: string): InputState {
  return values[block]?.[CREATE_ACTION] ?? {};
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readScope(values: FormValues, errors: FormErrors): MaintenanceScope | null {
  const type = (field(values, CREATE_BLOCKS.scopeType).selected_option?.value ?? 'all') as ScopeType;
  const text = field(values, CREATE_BLOCKS.scopeValue).value?.trim() ?? '';
  if (!(type in SCOPE_TYPES)) {
    errors[CREATE_BLOCKS.scopeType] = `Unknown scope "${type}": pick one from the list.`;
    return null;
  }
  if (type === 'all') {
    if (text !== '') errors[CREATE_BLOCKS.scopeValue] = 'Leave the value empty for all nodes, or pick another scope.';
    return { all: true };
  }
  if (text === '') {
    errors[CREATE_BLOCKS.scopeValue] = `Enter the ${SCOPE_TYPES[type].toLowerCase()} this maintenance covers.`;
    return null;
  }
  if (type === 'labelSelector') return { labelSelector: text };
  return { [type]: splitList(text) };
}

function readTime(values: FormValues, block: string, label: string, errors: FormErrors): string | null {
  const seconds = field(values, block).selected_date_time;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    errors[block] = `Pick the ${label}.`;
    return null;
  }
  return new Date(seconds * 1000).toISOString();
}

function required(
  values: FormValues,
  block: string,
  read: (state: InputState) => string | null | undefined,
  message: string,
  errors: FormErrors,
): string {
  const value = read(field(values, block))?.trim() ?? '';
  if (value === '') errors[block] = message;
  return value;
}

/**
 * Reads the create form into a maintenance input, or returns the errors to show next to the inputs. Slack
 * omits `state.values` for an empty form, so every field is read defensively.
 */
export function readCreateForm(values: FormValues | undefined): { input: MaintenanceInput } | { errors: FormErrors } {
  const state = values ?? {};
  const errors: FormErrors = {};
  const title = required(state, CREATE_BLOCKS.title, (input) => input.value, 'Enter a title.', errors);
  const kind = required(
    state,
    CREATE_BLOCKS.kind,
    (input) => input.selected_option?.value,
    'Pick the kind of work.',
    errors,
  );
  const vendor = required(
    state,
    CREATE_BLOCKS.vendor,
    (input) => input.selected_option?.value,
    'Pick the vendor.',
    errors,
  );
  const owner = required(state, CREATE_BLOCKS.owner, (input) => input.selected_user, 'Pick the owner.', errors);
  const clusters = (field(state, CREATE_BLOCKS.clusters).selected_options ?? []).map((option) => option.value);
  if (clusters.length === 0) errors[CREATE_BLOCKS.clusters] = 'Pick at least one cluster.';
  const scope = readScope(state, errors);
  const start = readTime(state, CREATE_BLOCKS.start, 'window start', errors);
  const end = readTime(state, CREATE_BLOCKS.end, 'expected end', errors);
  if (Object.keys(errors).length > 0 || scope === null || start === null || end === null) return { errors };
  return {
    input: {
      title,
      kind: kind as MaintenanceInput['kind'],
      vendor: vendor as MaintenanceInput['vendor'],
      owner,
      clusters: clusters.map((cluster) => ({ cluster, scope })),
      start,
      end,
    },
  };
}

const FIELD_BLOCKS: Record<MaintenanceInputError['field'], string> = {
  id: CREATE_BLOCKS.title,
  title: CREATE_BLOCKS.title,
  kind: CREATE_BLOCKS.kind,
  vendor: CREATE_BLOCKS.vendor,
  owner: CREATE_BLOCKS.owner,
  clusters: CREATE_BLOCKS.clusters,
  scope: CREATE_BLOCKS.scopeValue,
  start: CREATE_BLOCKS.start,
  end: CREATE_BLOCKS.end,
};

/** Returns the form block that shows an input error. */
export function blockOfField(fieldName: MaintenanceInputError['field']): string {
  return FIELD_BLOCKS[fieldName];
}

function parseJson(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Reads the create form's private metadata; null when it is missing or not ours. */
export function readCreateMetadata(text: string | undefined): CreateFormMetadata | null {
  const value = parseJson(text);
  return typeof value?.channel === 'string' ? { channel: value.channel } : null;
}

/** Reads the uncordon form's private metadata; null when it is missing or not ours. */
export function readUncordonMetadata(text: string | undefined): UncordonFormMetadata | null {
  const value = parseJson(text);
  if (typeof value?.maintenanceId !== 'string' || typeof value.fingerprint !== 'string') return null;
  return {
    maintenanceId: value.maintenanceId,
    fingerprint: value.fingerprint,
    channel: typeof value.channel === 'string' ? value.channel : null,
  };
}
