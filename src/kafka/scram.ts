import { operationError, SamctlError } from '../errors.js';
import type { TlsIdentity } from '../net/tls-probe.js';
import { addScramArgument, SCRAM_MECHANISM_TYPE, type ScramMechanism, type ScramCredential } from '../pki/scram.js';
import { connectAdmin, readMetadata } from './client.js';
import { describeKafkaError } from './errors.js';

/**
 * SCRAM users, both faces: the KRaft format-time argument a reviewer can paste into
 * `kafka-storage.sh format` (it holds the salted password, not the password), and the Admin
 * API's AlterUserScramCredentials (KIP-554) on a running cluster, with the salted password
 * computed here. kafka-configs.sh has no salted form (it takes `password=` on its command
 * line), so samctl prints none.
 */

/** The command line that creates the user at format time (the user exists from the cluster's first start). */
export function formatTimeCommand(user: string, mechanism: ScramMechanism, credential: ScramCredential): string {
  return `kafka-storage.sh format -t <cluster-id> -c server.properties --add-scram '${addScramArgument(user, mechanism, credential)}'`;
}

/**
 * Upserts the user's credential through one broker (KRaft brokers forward it to the
 * controller). Throws (exit 1) naming Kafka's refusal: an unreachable cluster, a client not
 * allowed to alter users (ALTER on the cluster), a mechanism the cluster does not accept.
 */
export async function registerScramUser(bootstrap: string[], identity: TlsIdentity, user: string, mechanism: ScramMechanism, credential: ScramCredential): Promise<{ clusterId: string }> {
  return alterScramCredentials(bootstrap, identity, user, [], [{ name: user, mechanism: SCRAM_MECHANISM_TYPE[mechanism], iterations: credential.iterations, salt: credential.salt, saltedPassword: credential.saltedPassword }], 'the cluster refused the SCRAM credential for');
}

/**
 * Deletes the user's credential (samctl revoke of a SCRAM client): it can no longer log in.
 * A credential the cluster does not hold (never registered, deleted before) is no error:
 * `deleted` is false then.
 */
export async function deleteScramUser(bootstrap: string[], identity: TlsIdentity, user: string, mechanism: ScramMechanism): Promise<{ clusterId: string; deleted: boolean }> {
  try {
    return { ...(await alterScramCredentials(bootstrap, identity, user, [{ name: user, mechanism: SCRAM_MECHANISM_TYPE[mechanism] }], [], 'the cluster refused to delete the SCRAM credential of')), deleted: true };
  } catch (err) {
    if (err instanceof SamctlError && /RESOURCE_NOT_FOUND|not found|does not exist/i.test(err.message)) return { clusterId: '', deleted: false };
    throw err;
  }
}

type Deletion = { name: string; mechanism: number };
type Upsertion = Deletion & { iterations: number; salt: Buffer; saltedPassword: Buffer };

async function alterScramCredentials(bootstrap: string[], identity: TlsIdentity, user: string, deletions: Deletion[], upsertions: Upsertion[], refused: string): Promise<{ clusterId: string }> {
  const kafka = await import('@platformatic/kafka');
  const admin = await connectAdmin(bootstrap, identity, undefined, 'samctl-scram');
  try {
    let clusterId: string;
    let brokerId: number;
    try {
      const cluster = await readMetadata(admin);
      clusterId = cluster.clusterId;
      brokerId = cluster.brokers[0].id;
    } catch (err) {
      const { message, hint } = describeKafkaError(err);
      throw operationError(`cannot talk to the cluster at ${bootstrap.join(',')}: ${message}`, hint, err);
    }
    try {
      const connection = (await admin.connectToBrokers([brokerId])).get(brokerId);
      if (!connection) throw new Error(`node ${brokerId} left the cluster's metadata`);
      const api = await new Promise<typeof kafka.alterUserScramCredentialsV0.api>((resolve, reject) =>
        admin[kafka.kGetApi]('AlterUserScramCredentials', (error, found) => (error ? reject(error) : resolve(found as typeof kafka.alterUserScramCredentialsV0.api))),
      );
      await api.async(connection, deletions, upsertions);
    } catch (err) {
      const { message, hint } = describeKafkaError(err);
      throw operationError(`${refused} ${user}: ${message}`, hint ?? 'the --client identity needs ALTER on the cluster (a super user, or an ACL) to change SCRAM users', err);
    }
    return { clusterId };
  } finally {
    await admin.close().catch(() => undefined);
  }
}
