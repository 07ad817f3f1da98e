// The command line: metricstream [--config PATH] [--check-config].
import { ConfigError } from './load';

const USAGE = 'usage: metricstream [--config PATH] [--check-config]';

export interface CommandLine {
  readonly configPath: string | undefined;
  /** Print the effective configuration and what it implies, then exit. */
  readonly checkOnly: boolean;
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  let configPath: string | undefined;
  let checkOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' && argv[i + 1] !== undefined) configPath = argv[++i];
    else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else if (arg === '--check-config') checkOnly = true;
    else throw new ConfigError(`unknown argument ${arg}; ${USAGE}`);
  }
  return { configPath, checkOnly };
}
