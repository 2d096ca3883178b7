import { usageError } from './errors.js';

/**
 * The time samctl issues and checks at. SAMCTL_NOW (an ISO 8601 instant) overrides it so
 * tests can make certificates that are already expired or about to be, without sleeping.
 */
export function currentTime(env: NodeJS.ProcessEnv = process.env): Date {
  const override = env.SAMCTL_NOW;
  if (!override) return new Date();
  const when = new Date(override);
  if (Number.isNaN(when.getTime())) throw usageError(`invalid SAMCTL_NOW "${override}": use an ISO 8601 time such as 2026-01-31T12:00:00Z`);
  return when;
}
