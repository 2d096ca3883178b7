import { syncFromEngine } from '../store/engine-sync.js';
import type { Command } from 'commander';
import { relative } from 'node:path';
import { currentTime } from '../clock.js';
import { usageError } from '../errors.js';
import { Output } from '../output.js';
import { readCaPassphrase } from '../secrets.js';
import { pkiLayout, type PkiLayout } from '../store/layout.js';
import { exists } from '../store/files.js';
import { loadInventory, principalRulesOf, type Inventory } from '../store/inventory.js';

export interface CommandContext {
  layout: PkiLayout;
  out: Output;
  force: boolean;
  now: Date;
  interactive: boolean;
  /** A path as the user would type it: relative to the working directory when inside it. */
  display: (path: string) => string;
}

/** Global options (after the subcommand's own) as every command sees them. */
export function commandContext(command: Command): CommandContext {
  const options = command.optsWithGlobals<{ dir: string; json?: boolean; color?: boolean; force?: boolean }>();
  const layout = pkiLayout(options.dir);
  return {
    layout,
    out: new Output({ json: Boolean(options.json), color: options.color !== false }),
    force: Boolean(options.force),
    now: currentTime(),
    interactive: isInteractive(),
    display: (path) => {
      const rel = relative(process.cwd(), path);
      return rel && !rel.startsWith('..') ? rel : path;
    },
  };
}

/** Prompts only when a person is there: stdin and stderr on a terminal, and not in CI. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY) && !process.env.CI;
}

// Prompts draw on stderr so that stdout stays clean for --json and pipes. inquirer is loaded
// only when a prompt is shown: CI runs never pay for it.
async function prompt<T>(questions: object[]): Promise<T> {
  const ask = await loadPrompt();
  return (await ask(questions as never)) as T;
}

async function loadPrompt() {
  const { default: inquirer } = await import('inquirer');
  return inquirer.createPromptModule({ output: process.stderr });
}

export async function promptPassphrase(confirm: boolean): Promise<string> {
  const { passphrase } = await prompt<{ passphrase: string }>([
    { type: 'password', name: 'passphrase', mask: '*', message: confirm ? 'New CA passphrase:' : 'CA passphrase:' },
  ]);
  if (confirm) {
    const { again } = await prompt<{ again: string }>([{ type: 'password', name: 'again', mask: '*', message: 'Repeat the CA passphrase:' }]);
    if (again !== passphrase) throw usageError('the two passphrases differ', 'run the command again and type the same passphrase twice');
  }
  return passphrase;
}

export async function promptText(message: string): Promise<string> {
  const { value } = await prompt<{ value: string }>([{ type: 'input', name: 'value', message }]);
  return value;
}

/** The CA passphrase from --ca-password-file, $SAMCTL_CA_PASSWORD or (on a terminal) a prompt. */
export function passphraseReader(context: CommandContext, passwordFile: string | undefined, purpose: 'new' | 'existing') {
  return () => readCaPassphrase({ passwordFile, prompt: context.interactive ? promptPassphrase : undefined }, purpose);
}

/**
 * A command that succeeds but has a verdict to give (status and verify: 3 = renewal due)
 * records it here; cli.ts turns it into the exit code. Only cli.ts ends the process.
 */
let resultCode = 0;
export function setResultCode(code: number): void {
  resultCode = Math.max(resultCode, code);
}
export function takeResultCode(): number {
  const code = resultCode;
  resultCode = 0;
  return code;
}

/** The inventory of an existing PKI directory; exit 2 with the fix when there is none. */
export async function requireInventory(context: CommandContext): Promise<Inventory> {
  const { layout } = context;
  if (!(await exists(layout.inventory))) {
    throw usageError(`no samctl inventory in ${layout.root}`, 'run `samctl ca init` first, or point --dir / SAMCTL_DIR at your PKI directory');
  }
  // With the inventory in the engine's KV, the shared one is the truth and this directory a cache.
  // A copy without an install dir is rendered for this directory (configure's renderer, loaded only then).
  return syncFromEngine(layout, await loadInventory(layout.inventory), context.now, async (record, inventory) => {
    const [{ reconfiguredFiles }, { superUsers }] = await Promise.all([import('../lifecycle/configure.js'), import('../render/authorizer.js')]);
    const rules = principalRulesOf(inventory, layout.inventory);
    return reconfiguredFiles(layout, record, record, rules, record.authorizer ? superUsers(inventory.identities, rules) : undefined);
  });
}
