import { randomBytes } from 'node:crypto';
import { validateView } from './slack-block-kit.js';
import { type Args, invalidArguments, type MethodEnv, type MethodHandler, SlackApiError } from './slack-method-kit.js';
import type { StandInView, TriggerGrant } from './slack-workspace.js';

/** Slack keeps at most three views on a modal's stack; views.push beyond that fails. */
const MAX_STACK = 3;

/** Uses up a trigger id: unknown, already used, or older than the TTL (3 s at Slack) each fail in their own way. */
function consumeTrigger(args: Args, env: MethodEnv): TriggerGrant {
  const triggerId = args.required('trigger_id');
  const grant = env.workspace.triggers.get(triggerId);
  if (!grant) throw new SlackApiError('invalid_trigger_id');
  if (grant.used) throw new SlackApiError('exchanged_trigger_id');
  if (performance.now() - grant.issuedAt > env.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
  grant.used = true;
  return grant;
}

function readView(args: Args): Record<string, unknown> {
  const view = args.json('view', 'invalid_arguments');
  if (typeof view !== 'object' || view === null || Array.isArray(view)) invalidArguments('missing required field: view');
  const violations = validateView(view as Record<string, unknown>);
  if (violations.length > 0) {
    throw new SlackApiError('invalid_arguments', {
      response_metadata: { messages: violations.map((violation) => `[ERROR] ${violation}`) },
    });
  }
  return view as Record<string, unknown>;
}

let hashSequence = 0;

/** Returns a fresh view hash; views.update with a stale one fails with `hash_conflict`. */
function newHash(): string {
  hashSequence += 1;
  return `${hashSequence}.${randomBytes(4).toString('hex')}`;
}

/** Renders a view as views.* return it, with the fields Slack fills in. */
export function viewJson(stored: StandInView, env: MethodEnv): Record<string, unknown> {
  const { view } = stored;
  return {
    id: stored.id,
    team_id: env.identity.teamId,
    type: stored.type,
    blocks: view.blocks ?? [],
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    state: { values: {} },
    hash: stored.hash,
    title: view.title ?? null,
    clear_on_close: view.clear_on_close ?? false,
    notify_on_close: view.notify_on_close ?? false,
    close: view.close ?? null,
    submit: view.submit ?? null,
    previous_view_id: stored.previousViewId ?? null,
    root_view_id: stored.rootViewId,
    app_id: env.identity.appId,
    external_id: view.external_id ?? '',
    app_installed_team_id: env.identity.teamId,
    bot_id: env.identity.botId,
  };
}

function storeView(env: MethodEnv, view: Record<string, unknown>, grant: TriggerGrant, parent?: StandInView): StandInView {
  const id = env.workspace.nextId('V');
  const stored: StandInView = {
    id,
    type: view.type === 'home' ? 'home' : 'modal',
    user: grant.user,
    rootViewId: parent?.rootViewId ?? id,
    previousViewId: parent?.id,
    hash: newHash(),
    view,
  };
  env.workspace.views.set(id, stored);
  return stored;
}

const open: MethodHandler = (args, env) => {
  const grant = consumeTrigger(args, env);
  const view = readView(args);
  return { view: viewJson(storeView(env, view, grant), env) };
};

const push: MethodHandler = (args, env) => {
  const grant = consumeTrigger(args, env);
  const view = readView(args);
  const parent = grant.viewId === undefined ? undefined : env.workspace.views.get(grant.viewId);
  if (!parent) invalidArguments('views.push needs a trigger_id from an interaction inside an open modal');
  const depth = [...env.workspace.views.values()].filter((open) => open.rootViewId === parent.rootViewId).length;
  if (depth >= MAX_STACK) throw new SlackApiError('push_limit_reached');
  return { view: viewJson(storeView(env, view, grant, parent), env) };
};

const update: MethodHandler = (args, env) => {
  const viewId = args.string('view_id');
  const externalId = args.string('external_id');
  if (!viewId && !externalId) invalidArguments('missing required field: view_id or external_id');
  const stored = [...env.workspace.views.values()].find((candidate) =>
    viewId ? candidate.id === viewId : candidate.view.external_id === externalId,
  );
  if (!stored) throw new SlackApiError('not_found');
  const hash = args.string('hash');
  if (hash && hash !== stored.hash) throw new SlackApiError('hash_conflict');
  stored.view = readView(args);
  stored.hash = newHash();
  return { view: viewJson(stored, env) };
};

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': open,
  'views.push': push,
  'views.update': update,
};
