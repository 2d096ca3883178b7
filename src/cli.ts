import { registerCrl, registerRevoke } from './commands/revoke.js';
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { registerBrokerIssue } from './commands/broker-issue.js';
import { registerCaInit } from './commands/ca-init.js';
import { registerCaRetire, registerCaRotate } from './commands/ca-rotate.js';
import { registerClientIssue } from './commands/client-issue.js';
import { registerStatus } from './commands/status.js';
import { registerVerify } from './commands/verify.js';
import { registerRenew } from './commands/renew.js';
import { registerProbe } from './commands/probe.js';
import { registerReload } from './commands/reload.js';
import { registerScram } from './commands/scram.js';
import { registerConfigure } from './commands/configure.js';
import { registerCheck } from './commands/check.js';
import { registerExport } from './commands/export.js';
import { registerAcl } from './commands/acl.js';
import { registerPrincipalRules } from './commands/principal-rules.js';
import { registerPull } from './commands/pull.js';
import { registerPolicy } from './commands/policy.js';
import { EXIT_CODES_HELP } from './commands/help.js';
import { takeResultCode } from './commands/context.js';
import { ExitCode, SamctlError } from './errors.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
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

  const ca = program.command('ca').description('the certificate authority');
  registerCaInit(ca);
  registerCaRotate(ca);
  registerCaRetire(ca);
  const broker = program.command('broker').description('broker identities (keystore.jks + truststore.jks)');
  registerBrokerIssue(broker);
  const client = program.command('client').description('client identities (PEM for Python/librdkafka, JKS for Java)');
  registerClientIssue(client);
  registerStatus(program);
  registerVerify(program);
  registerRenew(program);
  registerProbe(program);
  registerReload(program);
  registerScram(program);
  registerConfigure(program);
  registerCheck(program);
  registerExport(program);
  registerAcl(program);
  registerPrincipalRules(program);
  registerRevoke(program);
  registerCrl(program);
  registerPull(program);
  registerPolicy(program);
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
    await buildProgram().parseAsync(argv);
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
