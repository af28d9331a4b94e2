import { MAINTENANCE_KINDS, VENDORS, type MaintenanceConfig } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { recordTimeline } from '../store/outbox.js';
import { LabelSelectorError } from './label-selector.js';
import {
  defaultRequiresReboot,
  maintenanceSeq,
  type Maintenance,
  type MaintenanceInput,
  type MaintenanceSource,
  type MaintenanceState,
  TERMINAL_STATES,
} from './model.js';
import { compileScope, ScopeError } from './scope.js';
import {
  findByExternalKey,
  getMaintenance,
  insertMaintenance,
  listMaintenances,
  nextSeq,
  transitionMaintenance,
  updatePlan,
} from './store.js';

/** Invalid input for a maintenance; `field` names the input that is wrong, for form errors. */
export class MaintenanceInputError extends Error {
  constructor(
    readonly field: 'id' | 'title' | 'kind' | 'vendor' | 'owner' | 'clusters' | 'scope' | 'start' | 'end',
    message: string,
  ) {
    super(message);
    this.name = 'MaintenanceInputError';
  }
}

function toIso(field: 'start' | 'end', value: string | Date): string {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(time)) {
    throw new MaintenanceInputError(
      field,
      `${field} "${String(value)}" is not a date: use ISO 8601, such as 2026-05-01T22:00:00Z`,
    );
  }
  return new Date(time).toISOString();
}

function checkClusters(ctx: PitstopContext, input: MaintenanceInput): void {
  if (input.clusters.length === 0) throw new MaintenanceInputError('clusters', 'name at least one cluster');
  const seen = new Set<string>();
  const declared = ctx.config.clusters.map((cluster) => cluster.name);
  for (const entry of input.clusters) {
    if (!declared.includes(entry.cluster)) {
      throw new MaintenanceInputError(
        'clusters',
        `cluster "${entry.cluster}" is not declared under clusters (declared: ${declared.join(', ')})`,
      );
    }
    if (seen.has(entry.cluster))
      throw new MaintenanceInputError('clusters', `cluster "${entry.cluster}" is listed twice`);
    seen.add(entry.cluster);
    try {
      compileScope(entry.scope);
    } catch (error) {
      if (error instanceof ScopeError || error instanceof LabelSelectorError) {
        throw new MaintenanceInputError('scope', `cluster ${entry.cluster}: ${error.message}`);
      }
      throw error;
    }
  }
}

/** Checks an input and returns its normalized window; throws a {@link MaintenanceInputError}. */
export function checkInput(ctx: PitstopContext, input: MaintenanceInput): { windowStart: string; windowEnd: string } {
  if (input.title.trim() === '') throw new MaintenanceInputError('title', 'the title is empty');
  if (input.title.length > 150) throw new MaintenanceInputError('title', 'the title is longer than 150 characters');
  if (!MAINTENANCE_KINDS.includes(input.kind)) {
    throw new MaintenanceInputError('kind', `kind "${input.kind}" is not one of ${MAINTENANCE_KINDS.join(', ')}`);
  }
  if (!VENDORS.includes(input.vendor)) {
    throw new MaintenanceInputError('vendor', `vendor "${input.vendor}" is not one of ${VENDORS.join(', ')}`);
  }
  if (input.owner.trim() === '') throw new MaintenanceInputError('owner', 'the owner is empty');
  if (input.id !== undefined && maintenanceSeq(input.id) === null) {
    throw new MaintenanceInputError('id', `id "${input.id}" is not of the form MX-12`);
  }
  checkClusters(ctx, input);
  const windowStart = toIso('start', input.start);
  const windowEnd = toIso('end', input.end);
  if (Date.parse(windowEnd) <= Date.parse(windowStart)) {
    throw new MaintenanceInputError('end', `end ${windowEnd} is not after start ${windowStart}`);
  }
  return { windowStart, windowEnd };
}

function buildMaintenance(
  ctx: PitstopContext,
  input: MaintenanceInput,
  origin: { source: MaintenanceSource; actor: string; externalKey?: string },
): Maintenance {
  const window = checkInput(ctx, input);
  const now = ctx.clock.now().toISOString();
  const seq = input.id === undefined ? nextSeq(ctx.db) : maintenanceSeq(input.id)!;
  return {
    id: `MX-${seq}`,
    seq,
    title: input.title.trim(),
    kind: input.kind,
    vendor: input.vendor,
    owner: input.owner.trim(),
    clusters: input.clusters.map((entry) => ({ cluster: entry.cluster, scope: entry.scope })),
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    requiresReboot: input.requiresReboot ?? defaultRequiresReboot(input.kind),
    state: 'scheduled',
    source: origin.source,
    externalKey: origin.externalKey ?? null,
    createdBy: origin.actor,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    endedAt: null,
    closedAt: null,
    closedBy: null,
  };
}

/**
 * Creates a maintenance in state `scheduled` and records who created it. Without `input.id` it takes the next
 * free `MX-<n>`. With `origin.externalKey` (a vendor event id, say) a second call returns the first maintenance
 * instead of creating another. Throws a {@link MaintenanceInputError} naming the invalid field.
 */
export function createMaintenance(
  ctx: PitstopContext,
  input: MaintenanceInput,
  origin: { source: MaintenanceSource; actor: string; externalKey?: string } = { source: 'notice', actor: 'pitstop' },
): Maintenance {
  return ctx.db.transaction(() => {
    if (origin.externalKey !== undefined) {
      const existing = findByExternalKey(ctx.db, origin.externalKey);
      if (existing) return existing;
    }
    const maintenance = buildMaintenance(ctx, input, origin);
    if (getMaintenance(ctx.db, maintenance.id)) {
      throw new MaintenanceInputError('id', `maintenance ${maintenance.id} already exists`);
    }
    insertMaintenance(ctx.db, maintenance);
    recordTimeline(
      ctx.db,
      {
        subjectType: 'maintenance',
        subjectId: maintenance.id,
        actor: origin.actor,
        action: 'created',
        detail: { source: origin.source },
      },
      ctx.clock.now(),
    );
    ctx.log.info({ maintenance: maintenance.id, source: origin.source, actor: origin.actor }, 'maintenance created');
    return maintenance;
  })();
}

function planOf(
  maintenance: Pick<Maintenance, 'title' | 'kind' | 'vendor' | 'owner' | 'clusters' | 'windowStart' | 'windowEnd'>,
): string {
  const { title, kind, vendor, owner, clusters, windowStart, windowEnd } = maintenance;
  return JSON.stringify({ title, kind, vendor, owner, clusters, windowStart, windowEnd });
}

export interface SyncResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Creates the maintenances the config declares and updates the plan of those that changed and are not yet
 * closed. Running it twice changes nothing. Throws before writing anything when an entry is invalid or its
 * id belongs to a maintenance that did not come from the config.
 */
export function syncConfiguredMaintenances(ctx: PitstopContext): SyncResult {
  const entries = ctx.config.maintenance.maintenances;
  const result: SyncResult = { created: [], updated: [], unchanged: [] };
  const prepared = entries.map((entry, index) => prepareEntry(ctx, entry, index));
  ctx.db.transaction(() => {
    for (const next of prepared) {
      const existing = getMaintenance(ctx.db, next.id);
      if (!existing) {
        insertMaintenance(ctx.db, next);
        recordTimeline(
          ctx.db,
          {
            subjectType: 'maintenance',
            subjectId: next.id,
            actor: 'config',
            action: 'created',
            detail: { source: 'config' },
          },
          ctx.clock.now(),
        );
        result.created.push(next.id);
      } else if (planOf(existing) !== planOf(next) && !TERMINAL_STATES.includes(existing.state)) {
        updatePlan(ctx.db, { ...existing, ...pickPlan(next) }, ctx.clock.now());
        recordTimeline(
          ctx.db,
          {
            subjectType: 'maintenance',
            subjectId: next.id,
            actor: 'config',
            action: 'plan_updated',
            detail: JSON.parse(planOf(next)),
          },
          ctx.clock.now(),
        );
        result.updated.push(next.id);
      } else {
        result.unchanged.push(next.id);
      }
    }
  })();
  return result;
}

function pickPlan(next: Maintenance): Partial<Maintenance> {
  const { title, kind, vendor, owner, clusters, windowStart, windowEnd, requiresReboot } = next;
  return { title, kind, vendor, owner, clusters, windowStart, windowEnd, requiresReboot };
}

function prepareEntry(ctx: PitstopContext, entry: MaintenanceConfig, index: number): Maintenance {
  const path = `maintenance.maintenances[${index}] (${entry.id})`;
  const existing = getMaintenance(ctx.db, entry.id);
  if (existing && existing.source !== 'config') {
    throw new MaintenanceInputError(
      'id',
      `${path}: ${entry.id} already exists, created from ${existing.source} by ${existing.createdBy}; give the config entry another id`,
    );
  }
  try {
    return buildMaintenance(ctx, { ...entry, clusters: entry.clusters }, { source: 'config', actor: 'config' });
  } catch (error) {
    if (error instanceof MaintenanceInputError)
      throw new MaintenanceInputError(error.field, `${path}: ${error.message}`);
    throw error;
  }
}

/** Outcome of a command on a maintenance: whether it changed anything, and what to tell the user. */
export interface CommandResult {
  ok: boolean;
  message: string;
}

const COMMAND_FROM: Record<'start' | 'complete' | 'cancel', readonly MaintenanceState[]> = {
  start: ['scheduled', 'announced'],
  complete: ['in_progress', 'recovering'],
  cancel: ['scheduled', 'announced', 'in_progress'],
};

const COMMAND_TO = { start: 'in_progress', complete: 'completed', cancel: 'cancelled' } as const;

/** Runs `start`, `complete` or `cancel` on a maintenance as a guarded transition, and asks for a reconcile. */
export function runLifecycleCommand(
  ctx: PitstopContext,
  command: 'start' | 'complete' | 'cancel',
  id: string,
  actor: string,
): CommandResult {
  const maintenance = getMaintenance(ctx.db, id);
  if (!maintenance)
    return { ok: false, message: `Maintenance ${id} not found. \`/pitstop maint list\` shows the ids.` };
  const from = COMMAND_FROM[command];
  const changed = transitionMaintenance(
    ctx.db,
    { id, from, to: COMMAND_TO[command], actor, detail: { command, previous: maintenance.state } },
    ctx.clock.now(),
  );
  if (!changed) {
    return {
      ok: false,
      message: `${id} is ${maintenance.state.replace('_', ' ')}, so it cannot ${command}: ${command} works on ${from.join(', ').replace(/_/g, ' ')} maintenances.`,
    };
  }
  ctx.log.info({ maintenance: id, command, actor }, 'maintenance command applied');
  ctx.requestReconcile();
  return { ok: true, message: `${id} is now ${COMMAND_TO[command].replace('_', ' ')}.` };
}

/** Maintenances that reconcile still works on: open ones, and closed ones whose final post may be pending. */
export function activeMaintenances(ctx: PitstopContext, closedWithin: number): Maintenance[] {
  const cutoff = ctx.clock.now().getTime() - closedWithin;
  return listMaintenances(ctx.db).filter(
    (maintenance) =>
      !TERMINAL_STATES.includes(maintenance.state) ||
      (maintenance.closedAt !== null && Date.parse(maintenance.closedAt) >= cutoff),
  );
}
