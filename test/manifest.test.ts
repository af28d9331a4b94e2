import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from '@slack/bolt';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHandlers } from '../src/handlers/index.js';
import { SLACK_EVENTS_PATH, toBoltLogger } from '../src/slack/app.js';
import { removeStore, testContext, type TestContext } from './alert-fixtures.js';

/**
 * Bot scopes each Web API method needs, as docs.slack.dev lists them on its method and scope pages. A method
 * the code calls that is missing here fails the test, so a new call cannot ship without a decision about
 * its scope.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.getPermalink': [],
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.join': ['channels:join'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read', 'users:read.email'],
  'usergroups.list': ['usergroups:read'],
  'usergroups.users.list': ['usergroups:read'],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
  'files.uploadV2': ['files:write'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'reactions.add': ['reactions:write'],
  'pins.add': ['pins:write'],
  'bookmarks.add': ['bookmarks:write'],
};

/** Bot scopes each subscribed event needs. */
const EVENT_SCOPES: Record<string, string[]> = {
  app_home_opened: [],
  app_mention: ['app_mentions:read'],
  message: ['channels:history', 'groups:history'],
};

const SLACK_NAMESPACES = 'auth|bookmarks|chat|conversations|files|pins|reactions|usergroups|users|views';
// Web API calls go through a WebClient, which the code always names `client`.
const METHOD_CALL = new RegExp(`\\bclient\\.(${SLACK_NAMESPACES})\\.([a-zA-Z]+(?:\\.[a-zA-Z]+)?)\\(`, 'g');
const API_CALL = /apiCall\(\s*['"`]([a-z]+\.[a-zA-Z.]+)['"`]/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    // The stand-ins implement Slack's side of the API; they call nothing.
    if (statSync(path).isDirectory()) return entry === 'standins' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Web API methods the code calls, found by reading the sources. */
function calledMethods(): Map<string, string> {
  const methods = new Map<string, string>();
  for (const file of sourceFiles(new URL('../src', import.meta.url).pathname)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(METHOD_CALL)) methods.set(`${match[1]}.${match[2]}`, file);
    for (const match of text.matchAll(API_CALL)) methods.set(match[1]!, file);
  }
  return methods;
}

interface Registered {
  command: unknown[];
  action: unknown[];
  event: unknown[];
  view: unknown[];
  shortcut: unknown[];
  options: unknown[];
}

/** Registers the handlers on a real Bolt app and records the first argument of every listener registration. */
function registeredListeners(ctx: TestContext): Registered {
  const app = new App({ token: 'xoxb-manifest-test', signingSecret: 'manifest-test', deferInitialization: true, logger: toBoltLogger(ctx.log) });
  const registered: Registered = { command: [], action: [], event: [], view: [], shortcut: [], options: [] };
  const target = app as unknown as Record<keyof Registered, (...args: unknown[]) => unknown>;
  for (const name of Object.keys(registered) as (keyof Registered)[]) {
    const original = target[name].bind(app);
    target[name] = (...args: unknown[]) => {
      registered[name].push(args[0]);
      return original(...args);
    };
  }
  registerHandlers(app, ctx);
  return registered;
}

interface Manifest {
  features: { slash_commands?: { command: string; url?: string }[]; shortcuts?: { callback_id: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions?: { bot_events?: string[]; request_url?: string };
    interactivity?: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8')) as Manifest;
let ctx: TestContext;
let registered: Registered;

beforeAll(() => {
  ctx = testContext();
  registered = registeredListeners(ctx);
});

afterAll(() => {
  ctx.close();
  removeStore(ctx.path);
});

describe('Slack app manifest', () => {
  it('lists exactly the registered slash commands', () => {
    expect(registered.command.every((command) => typeof command === 'string')).toBe(true);
    const declared = (manifest.features.slash_commands ?? []).map((command) => command.command).sort();
    expect(declared).toEqual([...new Set(registered.command as string[])].sort());
  });

  it('subscribes to exactly the registered events', () => {
    expect(registered.event.every((event) => typeof event === 'string')).toBe(true);
    const declared = [...(manifest.settings.event_subscriptions?.bot_events ?? [])].sort();
    expect(declared).toEqual([...new Set(registered.event as string[])].sort());
  });

  it('enables interactivity when there are interactive listeners', () => {
    const interactive = registered.action.length + registered.view.length + registered.shortcut.length + registered.options.length > 0;
    expect(manifest.settings.interactivity?.is_enabled ?? false).toBe(interactive);
  });

  it('declares exactly the registered shortcuts', () => {
    const callbackIds = registered.shortcut.map((constraint) =>
      typeof constraint === 'string' ? constraint : (constraint as { callback_id: string }).callback_id,
    );
    const declared = (manifest.features.shortcuts ?? []).map((shortcut) => shortcut.callback_id).sort();
    expect(declared).toEqual([...new Set(callbackIds)].sort());
  });

  it('requests exactly the bot scopes the code needs', () => {
    const methods = calledMethods();
    expect(methods.has('chat.postMessage')).toBe(true);
    const unknown = [...methods.keys()].filter((method) => METHOD_SCOPES[method] === undefined);
    expect(unknown, 'add these methods and their scopes to METHOD_SCOPES').toEqual([]);
    const unknownEvents = (registered.event as string[]).filter((event) => EVENT_SCOPES[event] === undefined);
    expect(unknownEvents, 'add these events and their scopes to EVENT_SCOPES').toEqual([]);
    const needed = new Set<string>();
    for (const method of methods.keys()) for (const scope of METHOD_SCOPES[method]!) needed.add(scope);
    for (const event of registered.event as string[]) for (const scope of EVENT_SCOPES[event]!) needed.add(scope);
    if (registered.command.length > 0) needed.add('commands');
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it('points every request URL at the receiver path', () => {
    const urls = [
      ...(manifest.features.slash_commands ?? []).map((command) => command.url),
      manifest.settings.interactivity?.request_url,
      manifest.settings.event_subscriptions?.request_url,
    ].filter((url): url is string => url !== undefined);
    if (manifest.settings.socket_mode_enabled) {
      expect(urls).toEqual([]);
    } else {
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    }
  });
});
