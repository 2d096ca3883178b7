import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CA_PASSWORD, SAMCTL, samctl, tempDir } from '../helpers/samctl.js';
import { readJson } from './support.js';

/**
 * Crash safety: `broker issue --force`, `renew` and `ca rotate` are SIGKILLed (with every
 * process they started: the whole process group, as a power cut or a container kill does)
 * at delays spread uniformly over a normal run of the same command. After each kill:
 * `samctl verify` passes on everything the inventory lists, the inventory is valid JSON and
 * lists no staging or temporary directory, and the same command run again completes.
 */
/** One line per kill point, to follow a long run: tail -f $TMPDIR/samctl-crash-progress.log */
const PROGRESS = join(tmpdir(), 'samctl-crash-progress.log');
const env = { SAMCTL_CA_PASSWORD: CA_PASSWORD, NO_COLOR: '1' };


interface Lane {
  name: string;
  storeType: 'jks' | 'pem';
  brokers: string[];
  client: string;
  points: { issue: number; renew: number; rotate: number };
}

const LANES: Lane[] = [
  { name: 'jks', storeType: 'jks', brokers: ['a1.example.org'], client: 'a-client', points: { issue: 5, renew: 5, rotate: 2 } },
  { name: 'pem', storeType: 'pem', brokers: ['b1.example.org', 'b2.example.org'], client: 'b-client', points: { issue: 17, renew: 17, rotate: 6 } },
];

type Kind = 'issue' | 'renew' | 'rotate';

function commandFor(lane: Lane, kind: Kind, dir: string): string[] {
  switch (kind) {
    case 'issue':
      return ['--dir', dir, '--force', 'broker', 'issue', ...lane.brokers, '--store-type', lane.storeType];
    case 'renew':
      return ['--dir', dir, 'renew', lane.brokers[0], lane.client];
    case 'rotate':
      return ['--dir', dir, 'ca', 'rotate', '--key-size', '2048'];
  }
}

/** Starts the command in its own process group and SIGKILLs the group after `delay` ms. */
function runAndKill(args: string[], delay: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SAMCTL, ...args], { env: { ...process.env, ...env }, stdio: 'ignore', detached: true });
    let killed = false;
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
        killed = true;
      } catch {
        // already gone
      }
    }, delay);
    child.on('exit', () => {
      clearTimeout(timer);
      // keytool JVMs of the group die with it; wait until none is left
      const waitGroup = () => {
        try {
          process.kill(-child.pid!, 0);
          setTimeout(waitGroup, 20);
        } catch {
          resolve({ killed });
        }
      };
      waitGroup();
    });
  });
}

interface Inventory {
  cas: Array<{ status: string }>;
  identities: Array<{ kind: string; name: string; dir: string; files: string[]; sha256: string; status: string }>;
}

/** What must hold after a crash: returns the problems found (empty = not corrupted). */
async function checkState(dir: string, cwd: string): Promise<string[]> {
  const problems: string[] = [];
  let inventory: Inventory;
  try {
    inventory = readJson<Inventory>(join(dir, 'samctl.json'));
  } catch (err) {
    return [`samctl.json is not valid JSON: ${(err as Error).message}`];
  }
  for (const record of inventory.identities) {
    if (/\.staging-|\.tmp|(^|\/)\./.test(record.dir)) problems.push(`inventory lists ${record.dir}`);
    if (record.files.some((file) => /\.tmp|staging/.test(file))) problems.push(`inventory lists a temporary file in ${record.dir}`);
  }
  const verify = await samctl(['--dir', dir, 'verify'], { cwd });
  if (verify.exitCode !== 0) problems.push(`verify exited ${verify.exitCode}: ${verify.stdout.trim()} ${verify.stderr.trim()}`);
  return problems;
}

/** After a completed run: each named identity on disk is the one the inventory lists. */
function driftAfterRerun(dir: string, names: string[]): string[] {
  const inventory = readJson<Inventory>(join(dir, 'samctl.json'));
  const problems: string[] = [];
  for (const name of names) {
    const record = inventory.identities.find((entry) => entry.name === name && entry.status === 'active');
    if (!record) {
      problems.push(`${name} is not in the inventory`);
      continue;
    }
    const pem = readFileSync(join(dir, record.dir, `${record.kind}.crt`), 'utf8');
    const onDisk = new X509Certificate(pem).fingerprint256;
    if (onDisk !== record.sha256) problems.push(`${name}: the certificate on disk is not the one the inventory lists`);
  }
  return problems;
}

/** Uniformly spread: one delay in each of `n` equal slices of [5%, 95%] of the duration. */
function spreadDelays(duration: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => duration * (0.05 + (0.9 * (i + Math.random())) / n));
}

async function timed(args: string[], cwd: string): Promise<number> {
  const started = Date.now();
  const result = await samctl(args, { cwd });
  if (result.exitCode !== 0) throw new Error(`samctl ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return Date.now() - started;
}

async function finishRotation(dir: string, cwd: string): Promise<void> {
  await timed(['--dir', dir, 'renew', '--all'], cwd);
  await timed(['--dir', dir, 'ca', 'retire'], cwd);
}

interface LaneResult {
  killPoints: number;
  finishedBeforeKill: number;
  corrupted: string[];
  hiddenLeftovers: number;
  durations: Record<string, number>;
}

async function runLane(lane: Lane): Promise<LaneResult> {
  const cwd = tempDir(`samctl-crash-${lane.name}-`);
  const dir = join(cwd, 'pki');
  const st = ['--store-type', lane.storeType];
  await timed(['--dir', dir, 'ca', 'init', '--key-size', '2048'], cwd);
  await timed(['--dir', dir, 'broker', 'issue', ...lane.brokers, ...st], cwd);
  await timed(['--dir', dir, 'client', 'issue', lane.client, ...st], cwd);

  const kinds: Kind[] = ['issue', 'renew', 'rotate'];
  const durations: Record<string, number> = {};
  for (const kind of kinds) {
    durations[kind] = await timed(commandFor(lane, kind, dir), cwd);
    if (kind === 'rotate') await finishRotation(dir, cwd);
  }

  const result: LaneResult = { killPoints: 0, finishedBeforeKill: 0, corrupted: [], hiddenLeftovers: 0, durations };
  // Each kind gets its number of real kills, at fractions of a run spread uniformly over (5%, 95%).
  // The duration is re-estimated from every complete run (the re-runs), so that kill points stay
  // spread over the command's run time when the machine gets busier or quieter.
  for (const kind of kinds) {
    const fractions = spreadDelays(1, lane.points[kind]).map((f) => f);
    let attempts = 0;
    while (fractions.length > 0 && attempts < lane.points[kind] * 3) {
      attempts += 1;
      const fraction = fractions[0];
      const delay = Math.round(durations[kind] * fraction);
      const args = commandFor(lane, kind, dir);
      const { killed } = await runAndKill(args, delay);
      if (killed) {
        result.killPoints += 1;
        fractions.shift();
      } else result.finishedBeforeKill += 1;
      const label = `${lane.name} ${kind} killed at ${delay} ms (${Math.round(fraction * 100)}% of ${durations[kind]} ms)`;
      const problems = await checkState(dir, cwd);
      const rerunStarted = Date.now();
      const rerun = await samctl(args, { cwd });
      if (rerun.exitCode !== 0) problems.push(`re-run exited ${rerun.exitCode}: ${rerun.stderr.trim()}`);
      else {
        durations[kind] = Math.round((durations[kind] + (Date.now() - rerunStarted)) / 2);
        if (kind !== 'rotate') problems.push(...driftAfterRerun(dir, kind === 'issue' ? lane.brokers : [lane.brokers[0], lane.client]));
        else await finishRotation(dir, cwd);
      }
      if (problems.length > 0) result.corrupted.push(`${label}: ${problems.join('; ')}`);
      appendFileSync(PROGRESS, `${new Date().toISOString()} ${label}: ${killed ? 'killed' : 'finished first'}, ${problems.length ? problems.join('; ') : 'ok'}\n`);
    }
  }

  // Leftovers of killed runs (hidden staging directories) are never taken for identities.
  for (const parent of ['brokers', 'clients', '.']) {
    result.hiddenLeftovers += readdirSync(join(dir, parent)).filter((entry) => entry.startsWith('.')).length;
  }
  const status = await samctl(['--dir', dir, '--json', 'status'], { cwd });
  expect(status.exitCode, status.stderr).toBe(0);
  const names = (JSON.parse(status.stdout) as { entries: Array<{ name: string }> }).entries.map((entry) => entry.name).sort();
  expect(names).toEqual(['ca', ...lane.brokers, lane.client].sort());
  const finalState = await checkState(dir, cwd);
  expect(finalState).toEqual([]);
  return result;
}

describe('SIGKILL at any point leaves a PKI that verifies and a command that completes when run again', () => {
  it('kill points spread over broker issue, renew and ca rotate', async () => {
    const started = Date.now();
    const results = await Promise.all(LANES.map((lane) => runLane(lane)));
    const killPoints = results.reduce((sum, r) => sum + r.killPoints, 0);
    const corrupted = results.flatMap((r) => r.corrupted);
    const early = results.reduce((sum, r) => sum + r.finishedBeforeKill, 0);
    console.log(
      `${killPoints} kill points, ${corrupted.length} corrupted states` +
        ` (${early} runs finished before their kill time; hidden leftovers ${results.map((r) => r.hiddenLeftovers).join('+')};` +
        ` normal runs ${results.map((r) => JSON.stringify(r.durations)).join(' ')}; ${Math.round((Date.now() - started) / 1000)} s)`,
    );
    expect(corrupted).toEqual([]);
    expect(killPoints).toBeGreaterThanOrEqual(50);
  }, 900_000);
});
