// Prints the settings table for the README from src/config.ts (the one list of settings).
import { settingsTable } from '../src/config-docs.js';

process.stdout.write(settingsTable() + '\n');
