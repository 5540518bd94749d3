#!/usr/bin/env node
// Entry point: read settings, start the server, stop cleanly on SIGINT/SIGTERM.
import { helpText, parseArgs, CliError } from './cli.js';
import { ConfigError, loadConfig, mergeSections, readConfigFile } from './config/load.js';
import { importJanusConfig } from './config/janus-import.js';
import { PORTUNUS_VERSION } from './core/version.js';
import { createMediaFactory } from './media/media-settings.js';
import { PortunusServer } from './server.js';

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
  const server = new PortunusServer({ config, mediaFactory: createMediaFactory });
  // A fault in a dependency's callback must not take every session down with it.
  process.on('uncaughtException', (err) => server.log.error(`uncaught exception (server keeps running): ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => server.log.error(`unhandled rejection (server keeps running): ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
  try {
    await server.start();
  } catch (err) {
    server.log.fatal(err instanceof Error ? err.message : String(err));
    return 1;
  }
  server.log.info('Portunus is ready');
  return await new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      server.log.info(`${signal} received, stopping`);
      server.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`portunus: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
