/**
 * The table tests that ask Kafka's own classes (kafka-clients from test/kafka/target/lib) for
 * the answer samctl must give: the jar found (fetched once by prepareKafka when missing) and one
 * small JVM running a single-file Java source (test/kafka/Mapper.java,
 * test/kerberos/ShortNamer.java) that reads requests on stdin and answers a line each.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LIB_DIR, prepareKafka } from '../kafka/harness.js';

/** The kafka-clients jar in test/kafka/target/lib, if fetched. */
export function kafkaClientsJar(): string | undefined {
  try {
    const jar = readdirSync(LIB_DIR).find((name) => /^kafka-clients-[0-9.]+\.jar$/.test(name));
    return jar && join(LIB_DIR, jar);
  } catch {
    return undefined;
  }
}

/** The kafka-clients jar, fetched through prepareKafka (test/kafka/fetch-jars.sh) when missing. */
export async function requireKafkaClientsJar(): Promise<string> {
  const jar = kafkaClientsJar() ?? (await prepareKafka(), kafkaClientsJar());
  if (!jar) throw new Error('no kafka-clients jar in test/kafka/target/lib');
  return jar;
}

/** `java -cp <kafka-clients> <source>`: a quick-starting, small JVM, stdin/stdout/stderr piped. */
export function spawnJavaSource(jar: string, source: string): ChildProcessWithoutNullStreams {
  return spawn('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', jar, source], { stdio: 'pipe' });
}

/** Every request line at once on stdin; the answer lines once the JVM has exited 0. */
export async function javaAnswerLines(jar: string, source: string, requests: string[]): Promise<string[]> {
  const child = spawnJavaSource(jar, source);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  child.stdin.end(requests.map((request) => `${request}\n`).join(''));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${source} exited ${code}: ${stderr}`);
  return stdout.trim().split('\n');
}
