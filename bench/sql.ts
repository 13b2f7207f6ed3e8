/**
 * The SQL databases' expected-findings table (PostgreSQL and MariaDB, issue "SQL databases"):
 * `node bench/sql.ts [--runs 5] [--only name,…] [--time 20] [--nodes 3] [--results-dir DIR] [--list]`.
 * Scenarios come from bench/scenarios/{postgres,mariadb}.ts (each exports `scenarios(settings)`).
 */
import { benchSettings, runScenarios, type Scenario } from './lib/scenarios.ts';
import { loadScenarioFiles } from './scenarios/load.ts';

const settings = benchSettings('sql');
const all: Scenario[] = await loadScenarioFiles(['postgres', 'mariadb'], settings);
await runScenarios(all, settings);
