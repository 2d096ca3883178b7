/**
 * The defaults of what users choose per command, declared once: commands/options.ts shows
 * them in --help, lifecycle/ uses them where it spells a command back to the user.
 */
export const DEFAULTS = {
  /** Broker and client certificates. */
  leafDays: 365,
  caDays: 3650,
  leafKeySize: 2048,
  caKeySize: 4096,
  storeType: 'jks',
  /**
   * Store passwords go to a 0600 secrets file read through Kafka's FileConfigProvider unless
   * asked otherwise: server.properties is pasted into config management and tickets, and a
   * file that only references the passwords can travel there safely.
   */
  secrets: 'file',
} as const;
