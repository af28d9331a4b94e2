import { type MethodHandler, SlackApiError } from './slack-method-kit.js';

/**
 * Bot scopes of the user group methods, as docs.slack.dev lists them. The stand-in checks them only when it
 * is started with `scopes`.
 */
export const userGroupScopes: Record<string, string> = {
  'usergroups.list': 'usergroups:read',
  'usergroups.users.list': 'usergroups:read',
};

const userGroupsList: MethodHandler = (_args, env) => ({
  usergroups: env.userGroups.map((group) => ({
    id: group.id,
    team_id: env.identity.teamId,
    is_usergroup: true,
    handle: group.handle,
    name: group.handle,
    user_count: group.users?.length ?? 0,
  })),
});

/**
 * Returns the member ids of `usergroup` in configuration order, or raises `no_such_subteam` for an id
 * the workspace does not have.
 * NOTE: `include_disabled` is accepted but changes nothing, because stand-in user groups are never disabled.
 */
const userGroupUsersList: MethodHandler = (args, env) => {
  const id = args.required('usergroup');
  const group = env.userGroups.find((candidate) => candidate.id === id);
  if (!group) throw new SlackApiError('no_such_subteam');
  return { users: [...(group.users ?? [])] };
};

export const userGroupMethods: Record<string, MethodHandler> = {
  'usergroups.list': userGroupsList,
  'usergroups.users.list': userGroupUsersList,
};
