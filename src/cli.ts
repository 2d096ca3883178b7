import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT_CODES_HELP } from './commands/help.js';
import { takeResultCode } from './commands/context.js';
import { ExitCode, SamctlError } from './errors.js';

/** samctl's package.json: one level up from src/ and dist/, two from the bundle in dist/bundle/. */
function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'samctl' && manifest.version) return manifest.version;
    } catch {
      // not this level
    }
  }
  return 'unknown';
}

const version = packageVersion();

type Register = (parent: Command) => unknown;

const GROUPS: Record<string, string> = {
  ca: 'the certificate authority',
  broker: 'broker identities (keystore.jks + truststore.jks)',
  client: 'client identities (PEM for Python/librdkafka, JKS for Java)',
};

/** Every command, in --help order, with the module that registers it (loaded only when needed). */
const COMMANDS: Array<{ group?: string; name: string; load: () => Promise<Register> }> = [
  { group: 'ca', name: 'init', load: async () => (await import('./commands/ca-init.js')).registerCaInit },
  { group: 'ca', name: 'rotate', load: async () => (await import('./commands/ca-rotate.js')).registerCaRotate },
  { group: 'ca', name: 'retire', load: async () => (await import('./commands/ca-rotate.js')).registerCaRetire },
  { group: 'broker', name: 'issue', load: async () => (await import('./commands/broker-issue.js')).registerBrokerIssue },
  { group: 'client', name: 'issue', load: async () => (await import('./commands/client-issue.js')).registerClientIssue },
  { name: 'status', load: async () => (await import('./commands/status.js')).registerStatus },
  { name: 'verify', load: async () => (await import('./commands/verify.js')).registerVerify },
  { name: 'renew', load: async () => (await import('./commands/renew.js')).registerRenew },
  { name: 'probe', load: async () => (await import('./commands/probe.js')).registerProbe },
  { name: 'reload', load: async () => (await import('./commands/reload.js')).registerReload },
  { name: 'scram', load: async () => (await import('./commands/scram.js')).registerScram },
  { name: 'configure', load: async () => (await import('./commands/configure.js')).registerConfigure },
  { name: 'check', load: async () => (await import('./commands/check.js')).registerCheck },
  { name: 'export', load: async () => (await import('./commands/export.js')).registerExport },
  { name: 'acl', load: async () => (await import('./commands/acl.js')).registerAcl },
  { name: 'principal-rules', load: async () => (await import('./commands/principal-rules.js')).registerPrincipalRules },
  { name: 'revoke', load: async () => (await import('./commands/revoke.js')).registerRevoke },
  { name: 'crl', load: async () => (await import('./commands/revoke.js')).registerCrl },
  { name: 'pull', load: async () => (await import('./commands/pull.js')).registerPull },
  { name: 'policy', load: async () => (await import('./commands/policy.js')).registerPolicy },
];

/**
 * The command named on the command line (`status`, or `ca` + `rotate`), skipping the global
 * options; undefined when none is named or help is asked for at the top.
 */
export function commandAsked(argv: string[]): { first: string; second?: string } | undefined {
  const operands: string[] = [];
  for (let i = 2; i < argv.length && operands.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--dir') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) {
      if (operands.length === 0) continue;
      break; // options of the command itself: the subcommand, if any, came first
    }
    operands.push(arg);
  }
  if (operands.length === 0 || operands[0] === 'help') return undefined;
  return { first: operands[0]!, second: operands[0]! in GROUPS ? operands[1] : undefined };
}

export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('samctl')
    .description('A mutual-TLS PKI for Apache Kafka: CA, broker keystores, client identities.')
    .version(version)
    .addOption(new Option('--dir <path>', 'PKI directory').env('SAMCTL_DIR').default('./pki'))
    .option('--json', 'print one JSON document on stdout instead of human output')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('--force', 'replace what exists (the old files are kept under <dir>/backups/)')
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'samctl: ')) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ samctl ca init
  $ samctl broker issue sam01.ynformed.nl --san sam01 --san 10.0.0.11
  $ samctl client issue prediction-service
  $ samctl status --within 30d || samctl renew --within 30d     # in CI
  $ samctl ca rotate      # new CA, no downtime: 1. trust old + new, then reload every broker's truststore
  $ samctl renew --all    #                      2. re-sign everything, then reload every broker's keystore
  $ samctl ca retire      #                      3. drop the old CA, then reload every broker's truststore
  $ samctl probe sam01.ynformed.nl:9092 --client prediction-service
  $ samctl acl prediction-service --produce prediction --consume sensordata --group prediction-echo
  $ samctl broker issue --help
${EXIT_CODES_HELP}

Environment:
  SAMCTL_DIR           PKI directory (like --dir)
  SAMCTL_CA_PASSWORD   CA passphrase for non-interactive runs
  NO_COLOR             no colours
  SAMCTL_DEBUG=1       stack traces on unexpected errors`,
    );

  const wanted = commandAsked(argv);
  const groups = new Map<string, Command>();
  const parentOf = (group?: string): Command => {
    if (!group) return program;
    let parent = groups.get(group);
    if (!parent) groups.set(group, (parent = program.command(group).description(GROUPS[group]!)));
    return parent;
  };
  for (const group of Object.keys(GROUPS)) parentOf(group); // `samctl --help` lists the groups in this order
  // Only the asked command's module is loaded (each pulls in its own part of samctl); help, an
  // unknown name or a bare group load every one, so that listings and suggestions are complete.
  const chosen = COMMANDS.filter((entry) => !wanted || (entry.group ?? entry.name) === wanted.first && (!entry.group || !wanted.second || entry.name === wanted.second));
  const loading = chosen.length > 0 ? chosen : COMMANDS;
  const modules = await Promise.all(loading.map((entry) => entry.load()));
  loading.forEach((entry, i) => modules[i]!(parentOf(entry.group)));
  return program;
}

/** The one place an error becomes a message and an exit code. */
export async function run(argv: string[]): Promise<number> {
  // `samctl … | head` closes stdout early: that is the reader's choice, not an error to report.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    takeResultCode();
    await (await buildProgram(argv)).parseAsync(argv);
    return takeResultCode();
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has printed its message already
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    if (err.code === 'commander.executeSubCommandAsync' || err.exitCode === 0) return err.exitCode;
    return ExitCode.usage;
  }
  if (err instanceof SamctlError) {
    process.stderr.write(`samctl: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (process.env.SAMCTL_DEBUG && err.cause) process.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  const systemError = describeSystemError(err);
  if (systemError) {
    process.stderr.write(`samctl: ${systemError}\n`);
    if (process.env.SAMCTL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return ExitCode.failed;
  }
  process.stderr.write(`samctl: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  if (process.env.SAMCTL_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
  else process.stderr.write('hint: run again with SAMCTL_DEBUG=1 for details and report it\n');
  return ExitCode.failed;
}

const SYSTEM_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
};

function describeSystemError(err: unknown): string | undefined {
  const { code, path, syscall } = (err ?? {}) as NodeJS.ErrnoException;
  if (!code || !(code in SYSTEM_ERRORS)) return undefined;
  return `cannot ${syscall ?? 'access'} ${path ?? ''}: ${SYSTEM_ERRORS[code]}`.replace(/\s+:/, ':');
}
