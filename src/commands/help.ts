export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the operation failed (keytool error, damaged file, I/O)
  2  bad usage or input (nothing was changed)
  3  renewal due (status and verify)`;

export const SECRETS_HELP = `The CA passphrase comes from --ca-password-file, $SAMCTL_CA_PASSWORD or, on a
terminal, a prompt. Store passwords are generated and written to store.password (0600).`;
