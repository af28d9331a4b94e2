import { writeFileSync } from 'node:fs';
import { ConfigError, configJsonSchema, loadConfig } from '../config/load.js';
import { plural } from '../slack/messages/common.js';
import type { CliCommand } from './io.js';

const USAGE = `usage: pitstop check-config FILE
       pitstop check-config --json-schema [OUT]

Validates a config file without starting the bot, or prints the config's JSON Schema (to OUT if given).
`;

export const checkConfigCommand: CliCommand = async (argv, io) => {
  if (argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (argv[0] === '--json-schema') {
    const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (argv[1]) writeFileSync(argv[1], text);
    else io.stdout.write(text);
    return 0;
  }
  const file = argv[0];
  if (file === undefined || argv.length > 1) {
    io.stderr.write(USAGE);
    return 2;
  }
  try {
    const config = loadConfig(file);
    io.stdout.write(
      `${file}: valid (${plural(config.clusters.length, 'cluster')}, ${plural(config.teams.length, 'team')}, ` +
        `${plural(config.maintenance.maintenances.length, 'maintenance')})\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
};
