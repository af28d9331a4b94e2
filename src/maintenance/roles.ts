import type { WebClient } from '@slack/web-api';
import type { PitstopContext } from '../context.js';

export type Role = 'maintainers' | 'remediators';

const ROLE_WORK: Record<Role, string> = {
  maintainers: 'create, start, complete and cancel maintenances',
  remediators: 'run remediations such as uncordon',
};

/** Result of a role check: whether the user has the role, and if not, the sentence that tells them how to get it. */
export interface RoleCheck {
  allowed: boolean;
  reason: string | null;
}

async function inUserGroup(
  ctx: PitstopContext,
  client: WebClient | undefined,
  group: string,
  user: string,
): Promise<boolean> {
  if (client === undefined) return false;
  try {
    const result = await client.usergroups.users.list({ usergroup: group });
    return (result.users ?? []).includes(user);
  } catch (error) {
    ctx.log.warn({ err: error, userGroup: group, user }, 'reading a user group for a role check failed');
    return false;
  }
}

/**
 * Checks `roles.<role>` for a user: a listed user id matches directly, a listed user group id matches its
 * members as `usergroups.users.list` returns them. An empty list allows nobody.
 * @see https://docs.slack.dev/reference/methods/usergroups.users.list
 */
export async function checkRole(ctx: PitstopContext, role: Role, user: string, client?: WebClient): Promise<RoleCheck> {
  const entries = ctx.config.roles[role];
  if (entries.includes(user)) return { allowed: true, reason: null };
  for (const group of entries.filter((entry) => entry.startsWith('S'))) {
    if (await inUserGroup(ctx, client, group, user)) return { allowed: true, reason: null };
  }
  const fix =
    entries.length === 0
      ? `roles.${role} is empty in the config, so nobody may; add user ids or user group ids to it`
      : `ask an admin to add your user id or one of your user groups to roles.${role}`;
  return { allowed: false, reason: `Only roles.${role} may ${ROLE_WORK[role]}, and <@${user}> is not in it: ${fix}.` };
}
