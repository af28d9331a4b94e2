import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { PitstopContext } from '../context.js';
import { registerHandlers } from '../handlers/index.js';
import type { Logger } from '../log.js';

/** Path of the HTTP receiver for events, commands and interactivity; the manifest's request URLs end in it. */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAppOptions {
  /** Bot token (`xoxb-…`). */
  botToken: string;
  /** Signing secret; required unless `appToken` selects Socket Mode. */
  signingSecret?: string;
  /** App-level token (`xapp-…`, scope `connections:write`); when set, the app uses Socket Mode. */
  appToken?: string;
  /** Web API root; only a local stand-in should set it. Defaults to Slack's. */
  slackApiUrl?: string;
  /** Port of the HTTP receiver; 0 picks a free one. Default 3000. */
  port?: number;
  /**
   * Address the HTTP receiver binds. Default `0.0.0.0`, because in production Slack reaches the bot through
   * a load balancer or ingress; replays and tests pass `127.0.0.1`.
   */
  host?: string;
}

export interface SlackApp {
  app: App;
  client: WebClient;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The receiver's events URL once started in HTTP mode, such as `http://127.0.0.1:41234/slack/events`. */
  readonly url?: string;
}

/** Adapts pino to the logger interface Bolt and the Web API client take. */
export function toBoltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const child = log.child({ component: 'bolt' });
  const join = (parts: unknown[]): string => parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => child.debug(join(parts)),
    info: (...parts: unknown[]) => child.info(join(parts)),
    warn: (...parts: unknown[]) => child.warn(join(parts)),
    error: (...parts: unknown[]) => child.error(join(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * Creates the Bolt app with every handler registered: Socket Mode when `appToken` is set, otherwise an
 * HTTP receiver on {@link SLACK_EVENTS_PATH} that verifies Slack's request signatures. `start()` checks the
 * token with `auth.test` before accepting requests.
 */
export function createSlackApp(ctx: PitstopContext, options: SlackAppOptions): SlackApp {
  const logger = toBoltLogger(ctx.log);
  const clientOptions = options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl };
  let receiver: HTTPReceiver | undefined;
  let app: App;
  if (options.appToken !== undefined) {
    // Slack rejects another kind of token with not_allowed_token_type, which @slack/socket-mode 2.0 retries forever.
    if (!options.appToken.startsWith('xapp-')) {
      throw new Error(
        `the Slack app token "${options.appToken.slice(0, 5)}…" is not an app-level token: set SLACK_APP_TOKEN to the xapp-… token from the app's Basic Information page`,
      );
    }
    app = new App({ token: options.botToken, appToken: options.appToken, socketMode: true, logger, clientOptions, deferInitialization: true });
  } else {
    if (options.signingSecret === undefined || options.signingSecret === '') {
      throw new Error('the Slack signing secret is missing: set SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN to use Socket Mode');
    }
    receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: SLACK_EVENTS_PATH, logger });
    app = new App({ token: options.botToken, receiver, logger, clientOptions, deferInitialization: true });
  }
  registerHandlers(app, ctx);
  let url: string | undefined;
  let server: Server | undefined;
  let started = false;
  return {
    app,
    client: app.client,
    get url() {
      return url;
    },
    async start() {
      await app.init();
      if (!receiver) {
        await startSocketMode(app);
        started = true;
        ctx.log.info('Slack app connected in Socket Mode');
        return;
      }
      const host = options.host ?? '0.0.0.0';
      server = await receiver.start({ port: options.port ?? 3000, host });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${shownHost}:${address.port}${SLACK_EVENTS_PATH}`;
      started = true;
      ctx.log.info({ url }, 'Slack app listening');
    },
    async stop() {
      // Bolt's receivers reject stop() before start(); stopping an app that never started is a no-op here.
      if (!started) return;
      await app.stop();
      started = false;
      ctx.log.info('Slack app stopped');
    },
  };
}

/** Starts Socket Mode; a rejected app token fails with the Web API error and what to check. */
async function startSocketMode(app: App): Promise<void> {
  try {
    await app.start();
  } catch (error) {
    const code = (error as { data?: { error?: unknown } }).data?.error;
    if (typeof code !== 'string') throw error;
    throw new Error(
      `Socket Mode could not connect: apps.connections.open failed with ${code}. Check SLACK_APP_TOKEN: it must be an app-level token (xapp-…) with the connections:write scope`,
      { cause: error },
    );
  }
}
