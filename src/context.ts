import type { Clock } from './clock.js';
import type { PitstopConfig } from './config/schema.js';
import type { FleetView, FleetWriter } from './k8s/fleet.js';
import type { Logger } from './log.js';
import type { Db } from './store/db.js';

/** What rules, jobs and handlers share at run time. */
export interface PitstopContext {
  config: PitstopConfig;
  db: Db;
  clock: Clock;
  fleet: FleetView;
  /** Present only when `maintenance.allowClusterWrites` is true. */
  writer?: FleetWriter;
  log: Logger;
  /** Asks the engine to re-run the rules soon, for example after a Slack action changed state. */
  requestReconcile(): void;
}
