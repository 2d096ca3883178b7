/**
 * One thing `samctl check` found in a broker config: the key to change, what is wrong and
 * the fix. Messages name keys, files and hosts, never a value that could be a secret.
 *
 * error   Kafka refuses to start, or clients fail the handshake (exit 1)
 * expiry  a keystore's certificate expires within --within, or has expired (exit 3)
 * notice  worth knowing, not checked or not fatal (exit 0)
 */
export type Severity = 'error' | 'expiry' | 'notice';

export interface Finding {
  key: string;
  severity: Severity;
  message: string;
  fix: string;
}

export function error(key: string, message: string, fix: string): Finding {
  return { key, severity: 'error', message, fix };
}

export function notice(key: string, message: string, fix: string): Finding {
  return { key, severity: 'notice', message, fix };
}

export function expiry(key: string, message: string, fix: string): Finding {
  return { key, severity: 'expiry', message, fix };
}

/** The same key and message reported twice (a plain ssl.* key shared by listeners) is one finding. */
export function uniqueFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const id = `${finding.key}\n${finding.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** 1 when anything is broken, 3 when only expiry is due, else 0. */
export function checkExitCode(findings: Finding[]): 0 | 1 | 3 {
  if (findings.some((finding) => finding.severity === 'error')) return 1;
  if (findings.some((finding) => finding.severity === 'expiry')) return 3;
  return 0;
}
