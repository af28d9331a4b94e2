import type { Migration } from '../db.js';
import { coreMigration } from './001-core.js';
import { maintenanceMigration } from './002-maintenance.js';
import { noticesMigration } from './003-notices.js';
import { outboxLeaseMigration } from './004-outbox-lease.js';

export const migrations: Migration[] = [coreMigration, maintenanceMigration, noticesMigration, outboxLeaseMigration];
