export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the operation failed (keytool error, damaged file, I/O)
  2  bad usage or input (nothing was changed)
  3  renewal due (status and verify)`;

export const SECRETS_HELP = `The CA passphrase comes from --ca-password-file, $SAMCTL_CA_PASSWORD or, on a
terminal, a prompt. Store passwords are generated and written to store.password (0600);
with --secrets file (the default) the configs read them from <kind>-secrets.properties
(0600) through Kafka's FileConfigProvider, so the .properties you paste hold no secret;
--secrets inline writes them into the configs (which are then 0600).
--install-dir /ssl makes every config point to /ssl on the identity's host, with file
names prefixed by kind (broker.keystore.jks, client.keystore.jks, …) so a broker and a
client can share the directory; samctl export makes the bundle to put there.`;
