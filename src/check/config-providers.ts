import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { getProperties } from 'properties-file';
import { error, notice, type Finding } from './finding.js';

/** A parsed .properties file: key → raw value. */
export type Properties = Record<string, string>;

/** What a file read gave: its text, or why there is none ('no such file', 'permission denied' …). */
export type FileRead = { text: string } | { error: string };
export type FileReader = (path: string) => FileRead;

export interface ResolvedConfig {
  /** Every value with its `${provider:…}` references replaced, then trimmed as Kafka's ConfigDef does. */
  values: Properties;
  /** key → the references its value came from, for messages (references name files, never secrets). */
  via: Record<string, string>;
  /** key → why samctl could not resolve it (an env or custom provider): checks needing it are skipped. */
  unresolved: Record<string, string>;
  /** Keys whose reference failed (a finding says why): Kafka would use the text `${…}` itself. */
  failed: string[];
  findings: Finding[];
}

export const FILE_PROVIDER = 'org.apache.kafka.common.config.provider.FileConfigProvider';
export const DIRECTORY_PROVIDER = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
export const ENV_PROVIDER = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';

// Kafka's ConfigTransformer.DEFAULT_PATTERN: ${provider:[path:]key}. The path is matched lazily,
// so in ${file:/a:b:c} the path is /a and the key b:c, as in Kafka.
const VARIABLE = /\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}/g;

interface Provider {
  name: string;
  className?: string;
  allowedPaths?: string[];
}

/** `config.providers=file,…` with each `config.providers.<name>.class` and `allowed.paths` (Kafka 3.8+). */
function configuredProviders(props: Properties): { providers: Map<string, Provider>; findings: Finding[] } {
  const providers = new Map<string, Provider>();
  const findings: Finding[] = [];
  const names = (props['config.providers'] ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    const className = props[`config.providers.${name}.class`]?.trim() || undefined;
    const allowed = props[`config.providers.${name}.param.allowed.paths`]?.split(',').map((path) => path.trim()).filter(Boolean);
    providers.set(name, { name, className, allowedPaths: allowed && allowed.length > 0 ? allowed : undefined });
    if (!className) {
      findings.push(error(`config.providers.${name}.class`, `config.providers names "${name}" but gives it no class, so Kafka cannot resolve \${${name}:…} references`, `set config.providers.${name}.class=${FILE_PROVIDER} (or remove "${name}" from config.providers)`));
    } else if (![FILE_PROVIDER, DIRECTORY_PROVIDER, ENV_PROVIDER].includes(className)) {
      findings.push(notice(`config.providers.${name}.class`, `samctl cannot resolve values of the provider ${className}; keys that use \${${name}:…} are not checked`, 'check those keys by hand, or use the FileConfigProvider'));
    }
  }
  return { providers, findings };
}

/**
 * Resolves `${file:<path>:<key>}` (FileConfigProvider) and `${dir:<dir>:<file>}` (DirectoryConfigProvider)
 * references as Kafka does when it loads server.properties. A reference whose provider is not
 * configured stays literal in Kafka (the broker would use the text `${file:…}` as the value): a finding.
 */
export function resolveConfigProviders(props: Properties, readFile: FileReader): ResolvedConfig {
  const { providers, findings } = configuredProviders(props);
  const values: Properties = {};
  const via: Record<string, string> = {};
  const unresolved: Record<string, string> = {};
  const failed = new Set<string>();
  const secretFiles = new Map<string, FileRead & { properties?: Properties }>();

  const readSecrets = (path: string) => {
    let read = secretFiles.get(path);
    if (!read) {
      const result = readFile(path);
      read = 'text' in result ? { ...result, properties: getProperties(result.text) } : result;
      secretFiles.set(path, read);
    }
    return read;
  };

  for (const [key, raw] of Object.entries(props)) {
    if (key.startsWith('config.providers') || !raw.includes('${')) {
      values[key] = raw.trim();
      continue;
    }
    const references: string[] = [];
    const value = raw.replace(VARIABLE, (reference: string, name: string, _group: string, path: string | undefined, secretKey: string) => {
      references.push(reference);
      const provider = providers.get(name);
      if (!provider) {
        findings.push(error(key, `${key} uses ${reference}, but no "${name}" config provider is configured: Kafka takes the text literally`, providerFix(name)));
        return reference;
      }
      const className = provider.className;
      if (className === ENV_PROVIDER) {
        unresolved[key] = `its value comes from the broker's environment (${reference})`;
        return reference;
      }
      if (className !== FILE_PROVIDER && className !== DIRECTORY_PROVIDER) {
        if (className) unresolved[key] = `its value comes from the provider ${className} (${reference})`;
        return reference;
      }
      if (path === undefined || path === '') {
        findings.push(error(key, `${key} uses ${reference}, which names no file`, `write it as \${${name}:<path>:<key>}`));
        return reference;
      }
      const target = className === DIRECTORY_PROVIDER ? join(path, secretKey) : path;
      if (provider.allowedPaths && !provider.allowedPaths.some((allowed) => isInside(target, allowed))) {
        findings.push(error(key, `${key} uses ${reference}, but ${target} is outside config.providers.${name}.param.allowed.paths`, `move the file under ${provider.allowedPaths.join(' or ')}, or add its directory to allowed.paths`));
        return reference;
      }
      const read = className === DIRECTORY_PROVIDER ? readFile(target) : readSecrets(target);
      if ('error' in read) {
        findings.push(error(key, `${key} uses ${reference}, but ${target} cannot be read (${read.error})`, `create ${target} (mode 0600, readable by the broker) or fix the path`));
        return reference;
      }
      if (className === DIRECTORY_PROVIDER) return read.text;
      const secret = (read as { properties?: Properties }).properties?.[secretKey];
      if (secret === undefined) {
        findings.push(error(key, `${key} uses ${reference}, but ${target} has no key "${secretKey}": Kafka takes the text literally`, `add ${secretKey}=… to ${target}`));
        return reference;
      }
      return secret;
    });
    values[key] = value.trim();
    via[key] = references.join(' ');
    if (findings.some((finding) => finding.key === key)) failed.add(key);
  }
  return { values, via, unresolved, failed: [...failed], findings };
}

function providerFix(name: string): string {
  return name === 'file'
    ? `add config.providers=file and config.providers.file.class=${FILE_PROVIDER}`
    : `add "${name}" to config.providers and set config.providers.${name}.class`;
}

/** Path containment by components, as java.nio.file.Path.startsWith does. */
function isInside(path: string, directory: string): boolean {
  const rel = relative(resolve(normalize(directory)), resolve(normalize(path)));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
