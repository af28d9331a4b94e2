import type { WebClient } from '@slack/web-api';
import type { PitstopContext } from '../context.js';

export type Role = 'maintainers' | 'remediators';

const ROLE_WORK: Record<Role, string> = {
  maintainers: 'create, start, complete and cancel maintenances',
  remediators: 'run remediations such as uncordon',
};

/**
 * How long a user group's member list is reused, measured on `ctx.clock`. A person removed from a group
 * keeps the role for up to this long. Failed lookups are never cached.
 */
export const USER_GROUP_CACHE_TTL_MS = 60_000;

/** Result of a role check: whether the user has the role, and if not, the sentence that explains how to get it. */
export interface RoleCheck {
  allowed: boolean;
  reason: string | null;
}

interface CachedMembers {
  users: ReadonlySet<string>;
  fetchedAtMs: number;
}

type GroupLookup = { users: ReadonlySet<string> } | { error: string };

// Keyed by context so that two contexts in one process (tests, replays) never share member lists.
const memberCache = new WeakMap<PitstopContext, Map<string, CachedMembers>>();

function slackErrorCode(error: unknown): string {
  const code = (error as { data?: { error?: unknown } }).data?.error;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** Reads a user group's members with `usergroups.users.list`, reusing a list younger than the cache TTL. */
async function groupMembers(ctx: PitstopContext, client: WebClient | undefined, group: string): Promise<GroupLookup> {
  const cache = memberCache.get(ctx) ?? new Map<string, CachedMembers>();
  memberCache.set(ctx, cache);
  const nowMs = ctx.clock.now().getTime();
  const cached = cache.get(group);
  if (cached && nowMs - cached.fetchedAtMs < USER_GROUP_CACHE_TTL_MS) return { users: cached.users };
  if (client === undefined) return { error: 'no Slack client was available' };
  try {
    const result = await client.usergroups.users.list({ usergroup: group });
    const users = new Set(result.users ?? []);
    cache.set(group, { users, fetchedAtMs: nowMs });
    return { users };
  } catch (error) {
    cache.delete(group);
    return { error: slackErrorCode(error) };
  }
}

/**
 * Checks `roles.<role>` for a user: a listed user id matches directly, a listed user group id matches its
 * members as `usergroups.users.list` returns them. An empty list allows nobody. A group that cannot be
 * read counts as not containing the user, and the reason then names the group and the error.
 * @see https://docs.slack.dev/reference/methods/usergroups.users.list
 */
export async function checkRole(ctx: PitstopContext, role: Role, user: string, client?: WebClient): Promise<RoleCheck> {
  const entries = ctx.config.roles[role];
  if (entries.includes(user)) return { allowed: true, reason: null };
  const failures: string[] = [];
  for (const group of entries.filter((entry) => entry.startsWith('S'))) {
    const lookup = await groupMembers(ctx, client, group);
    if ('users' in lookup && lookup.users.has(user)) return { allowed: true, reason: null };
    if ('error' in lookup) {
      ctx.log.error({ userGroup: group, user, role, slackError: lookup.error }, 'reading a user group for a role check failed');
      failures.push(`${group} (${lookup.error})`);
    }
  }
  if (failures.length > 0) {
    return {
      allowed: false,
      reason:
        `Pitstop could not read ${failures.length === 1 ? 'user group' : 'user groups'} ${failures.join(', ')} from Slack, so it cannot tell whether <@${user}> is in roles.${role}, ` +
        `which may ${ROLE_WORK[role]}: check that the group id in roles.${role} exists and the app has the usergroups:read scope, ` +
        `or add your user id to roles.${role}.`,
    };
  }
  const fix =
    entries.length === 0
      ? `roles.${role} is empty in the config, so nobody may; add user ids or user group ids to it`
      : `ask an admin to add your user id or one of your user groups to roles.${role}`;
  return { allowed: false, reason: `Only roles.${role} may ${ROLE_WORK[role]}, and <@${user}> is not in it: ${fix}.` };
}
