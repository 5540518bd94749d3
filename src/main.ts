#!/usr/bin/env node
// Entry point: read settings, start the server, stop cleanly on SIGINT/SIGTERM.
import { helpText, parseArgs, CliError } from './cli.js';
import { ConfigError, loadConfig, mergeSections, readConfigFile } from './config/load.js';
import { importJanusConfig } from './config/janus-import.js';
import { errorDetail, errorText } from './logging/error-text.js';
import { PORTUNUS_VERSION } from './core/version.js';
import { createMediaFactory } from './media/media-settings.js';
import { PortunusServer } from './server.js';
import { availableParallelism } from 'node:os';
import { localNodeFromEnv, parseLocalNodes } from './cluster/local-node-identity.js';
import { LocalNodes, localNodeFlags } from './cluster/local-nodes.js';
import type { Config } from './config/load.js';
import { Logger } from './logging/logger.js';

/** How long a stop (SIGINT/SIGTERM) may take before the process exits regardless. */
const STOP_TIMEOUT_MS = 10_000;

async function main(): Promise<number> {
  let cli;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`portunus: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (cli.help) {
    process.stdout.write(helpText() + '\n');
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`${PORTUNUS_VERSION}\n`);
    return 0;
  }
  let config;
  try {
    const path = cli.configFile ?? process.env.PORTUNUS_CONFIG;
    const own = path ? readConfigFile(path) : undefined;
    const janus = cli.janusConfig ? importJanusConfig(cli.janusConfig) : undefined;
    const file = janus ? { path: [...janus.files, ...(own ? [own.path] : [])].join(', '), content: mergeSections(janus.content, own?.content ?? {}) } : own;
    config = loadConfig({ file, env: process.env, overrides: cli.overrides });
    if (janus) config.warnings.push(...janus.ignored.map((i) => `Janus setting not used by Portunus: ${i}`));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`portunus: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const localNode = localNodeFromEnv(process.env);
  if (!localNode) {
    const count = parseLocalNodes(config.core.cluster.local_nodes, availableParallelism());
    if (count === undefined) {
      process.stderr.write(`portunus: cluster.local_nodes must be a number from 1 to 64 or auto, not ${JSON.stringify(config.core.cluster.local_nodes)}\n`);
      return 2;
    }
    if (count > 1 && config.core.cluster.nats.trim() === '') {
      process.stderr.write(`portunus: cluster.local_nodes = ${count} needs cluster.nats (local nodes share rooms over NATS): serving as one node\n`);
    } else if (count > 1) return superviseLocalNodes(config, count);
  }
  const g = config.core.general;
  // A local node's lines say which node wrote them: the nodes share one output.
  const log = localNode ? Logger.create({ level: g.log_level, format: g.log_format === 'json' ? 'json' : 'text', timestamps: g.log_timestamps }).child({ local_node: localNode.index + 1 }) : undefined;
  const server = new PortunusServer({ config, mediaFactory: createMediaFactory, localNode, log });
  // A local node whose supervisor is gone stops too (its listeners were the supervisor's).
  if (localNode) process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // A fault in a dependency's callback must not take every session down with it.
  process.on('uncaughtException', (err) => server.log.error(`uncaught exception (server keeps running): ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => server.log.error(`unhandled rejection (server keeps running): ${errorDetail(err)}`));
  try {
    await server.start();
  } catch (err) {
    server.log.fatal(errorText(err));
    return 1;
  }
  server.log.info(localNode ? `local node ${localNode.index + 1} of ${localNode.count} is ready` : 'Portunus is ready');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      // A second signal while stopping: the operator wants out now (recordings are whole frame by frame anyway).
      if (stopping) {
        server.log.warn(`${signal} received again while stopping: exiting now`);
        resolve(1);
        return;
      }
      stopping = true;
      server.log.info(`${signal} received, stopping`);
      // Exit only once the server has stopped (sessions hung up, plugins destroyed, recordings closed), but never
      // hang on a part that does not finish: after STOP_TIMEOUT_MS the process exits anyway, and says so.
      const timer = setTimeout(() => {
        server.log.error(`the server did not stop within ${STOP_TIMEOUT_MS / 1000} s: exiting anyway`);
        resolve(1);
      }, STOP_TIMEOUT_MS);
      server.stop(signal === 'SIGINT' ? 2 : 15).then(
        () => {
          clearTimeout(timer);
          server.log.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(timer);
          server.log.error(`stopping failed: ${errorText(err)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/** cluster.local_nodes: this process starts the nodes, serves nothing itself, and stops them when told to stop. */
function superviseLocalNodes(config: Config, count: number): Promise<number> {
  const g = config.core.general;
  const log = Logger.create({ level: g.log_level, format: g.log_format === 'json' ? 'json' : 'text', timestamps: g.log_timestamps }).child({ component: 'local-nodes' });
  const nodes = new LocalNodes(count, process.argv[1], process.argv.slice(2), (i) => localNodeFlags(config.core, i, count, process.pid), log);
  nodes.start();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal} received, stopping the local nodes`);
      void nodes.stop(signal, STOP_TIMEOUT_MS).then(() => {
        log.info('stopped');
        resolve(0);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`portunus: ${errorDetail(err)}\n`);
    process.exit(1);
  },
);
