import { readFileSync } from 'node:fs';
import Mustache from 'mustache';
import { escapeValue } from 'properties-file/escape';
import { usageError } from '../errors.js';

/** templates/ ships beside dist/ in the package. */
const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

/**
 * A config file is composed of parts, each a template in templates/ plus the values it
 * needs: listeners, TLS stores, config-provider secrets (and, later, authorizer and SASL_SSL
 * listeners). Adding a part is a template and one entry in the composition that uses it.
 */
export type PartName =
  | 'broker-header'
  | 'client-header'
  | 'inline-secrets-warning'
  | 'broker-listeners'
  | 'client-protocol'
  | 'config-providers'
  | 'tls-stores'
  | 'broker-tls'
  | 'broker-authorizer'
  | 'client-tls'
  | 'secrets'
  | 'librdkafka'
  | 'broker-sasl-listeners'
  | 'broker-sasl'
  | 'client-sasl'
  | 'client-sasl-truststore'
  | 'sasl-secrets'
  | 'librdkafka-sasl';

export interface SnippetPart {
  name: PartName;
  view: Record<string, string | undefined>;
}

/**
 * Java .properties values are escaped by properties-file (backslashes, leading spaces,
 * separators); librdkafka's file format has no escaping at all, so a value it cannot hold
 * (a line break) is refused instead of written wrong.
 */
export type FileFormat = 'java-properties' | 'librdkafka';

const ESCAPERS: Record<FileFormat, (value: string) => string> = {
  'java-properties': (value) => {
    // A config-provider reference keeps its own colons readable; only its path is escaped.
    const reference = /^\$\{file:(.+):([A-Za-z0-9._-]+)\}$/.exec(value);
    return reference ? `\${file:${escapeValue(reference[1])}:${reference[2]}}` : escapeValue(value);
  },
  librdkafka: (value) => {
    if (/[\r\n]/.test(value)) throw usageError(`librdkafka.properties cannot hold a value with a line break: ${JSON.stringify(value)}`);
    return value;
  },
};

const cache = new Map<PartName, string>();

function template(name: PartName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`${name}.mustache`, TEMPLATE_DIR), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Renders the parts in order into one file. Parts with no view value to show render nothing of it. */
export function composeSnippet(parts: Array<SnippetPart | false | undefined>, format: FileFormat = 'java-properties'): string {
  return parts
    .filter((part): part is SnippetPart => Boolean(part))
    .map((part) => Mustache.render(template(part.name), part.view, {}, { escape: ESCAPERS[format] }))
    .join('');
}
