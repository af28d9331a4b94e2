import type { App } from '@slack/bolt';
import type { PitstopContext } from '../context.js';
import { registerActionHandlers } from './actions.js';
import { alertSubcommands, registerCommandHandlers } from './commands.js';
import { maintenanceSubcommands, registerMaintenanceHandlers } from './maintenance.js';
import { noticeSubcommands } from './notices.js';

/** Returns every `/pitstop` subcommand besides `help`, in the order the help text lists them. */
export function allSubcommands() {
  return [...alertSubcommands, ...maintenanceSubcommands, ...noticeSubcommands];
}

/** Registers every Slack listener Pitstop has: alert buttons, the `/pitstop` router, maintenance modals and buttons. */
export function registerHandlers(app: App, ctx: PitstopContext): void {
  registerActionHandlers(app, ctx);
  registerCommandHandlers(app, ctx, allSubcommands());
  registerMaintenanceHandlers(app, ctx);
}
