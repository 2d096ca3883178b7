import { readFileSync } from 'node:fs';
import Mustache from 'mustache';
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
  | 'broker-principal-rules'
  | 'client-tls'
  | 'secrets'
  | 'librdkafka'
  | 'broker-sasl-listeners'
  | 'broker-sasl'
  | 'broker-sasl-gssapi'
  | 'client-sasl'
  | 'client-sasl-truststore'
  | 'sasl-secrets'
  | 'librdkafka-sasl';

export interface SnippetPart {
  name: PartName;
  view: Record<string, string | undefined>;
}

/**
 * Java .properties values are escaped as Properties.load reads them back; librdkafka's file
 * format has no escaping at all, so a value it cannot hold (a line break) is refused instead of
 * written wrong.
 */
export type FileFormat = 'java-properties' | 'librdkafka';

const ESCAPERS: Record<FileFormat, (value: string) => string> = {
  'java-properties': escapePropertiesValue,
  librdkafka: (value) => {
    if (/[\r\n]/.test(value)) throw usageError(`librdkafka.properties cannot hold a value with a line break: ${JSON.stringify(value)}`);
    return value;
  },
};

/**
 * A value as java.util.Properties.load reads it back: `\` starts an escape, leading whitespace
 * is skipped, a line break ends the value. Kafka reads server.properties and --command-config
 * files through an InputStream (Utils.loadProps), which Properties decodes as ISO-8859-1, so
 * anything beyond printable ASCII is written as \uXXXX. `= : # !` need no escape in a value,
 * and stay readable: a principal rule is written as the user gave it, backslashes doubled.
 */
export function escapePropertiesValue(value: string): string {
  return value.replace(/^ |[\\\t\n\r\f]|[^\x20-\x7e]/g, (char) => {
    switch (char) {
      case ' ':
        return '\\ ';
      case '\\':
        return '\\\\';
      case '\t':
        return '\\t';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\f':
        return '\\f';
      default:
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}

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
