/**
 * How often each queue/coordination-system finding appears, and how long each run takes:
 * `node bench/queues.ts [--runs 5] [--only name,…] [--time 20] [--nodes 3] [--results-dir DIR] [--list]`.
 * Scenarios come from bench/scenarios/{zookeeper,rabbitmq,nats}.ts (each exports `scenarios(settings)`).
 */
import { benchSettings, runScenarios, type Scenario } from './lib/scenarios.ts';
import { loadScenarioFiles } from './scenarios/load.ts';

const settings = benchSettings('queues');
const all: Scenario[] = await loadScenarioFiles(['zookeeper', 'rabbitmq', 'nats'], settings);
await runScenarios(all, settings);
