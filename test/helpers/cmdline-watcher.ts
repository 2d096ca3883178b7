import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A watcher process that reads /proc/<pid>/cmdline of every process every ~5 ms until
 * stopped: what it saw is every command line that existed meanwhile, for tests that prove
 * no secret is ever on one (test/hardening/secrets.test.ts, test/export.test.ts).
 */
const WATCHER = `
const fs = require('fs');
const seen = new Map();
let sweeps = 0, stop = false;
process.stdin.on('data', () => { stop = true; });
const sweep = () => {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid)) continue;
    let raw;
    try { raw = fs.readFileSync('/proc/' + pid + '/cmdline'); } catch { continue; }
    if (raw.length === 0) continue;
    const text = raw.toString('utf8');
    if (!seen.has(text)) seen.set(text, pid);
  }
  sweeps += 1;
};
(async () => {
  while (!stop) { sweep(); await new Promise((r) => setTimeout(r, 5)); }
  sweep();
  process.stdout.write(JSON.stringify({ sweeps, cmdlines: [...seen.keys()] }));
})();
`;

export interface Capture {
  sweeps: number;
  cmdlines: string[];
}

export function startWatcher(): { child: ChildProcess; done: Promise<Capture> } {
  const child = spawn(process.execPath, ['-e', WATCHER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  const done = new Promise<Capture>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out) as Capture));
  });
  return { child, done };
}

export function stopWatcher(watcher: ReturnType<typeof startWatcher>): Promise<Capture> {
  watcher.child.stdin!.end('stop');
  return watcher.done;
}

/** Both forms a secret could take in argv: as is, and with \0 separators turned into spaces. */
export function leaks(haystack: string, secret: string): boolean {
  return haystack.includes(secret) || haystack.replace(/\0/g, ' ').includes(secret);
}
