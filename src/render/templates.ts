import { readFileSync } from 'node:fs';
import Mustache from 'mustache';
import { escapeValue } from 'properties-file/escape';

/** templates/ ships beside dist/ in the package. */
const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

export type TemplateName = 'server-ssl.properties' | 'client-ssl.properties' | 'librdkafka.properties';

/**
 * Java .properties values are escaped by properties-file (backslashes, leading spaces,
 * separators); librdkafka's file format has no escaping at all, so a value it cannot hold
 * (a line break) is refused instead of written wrong.
 */
const ESCAPERS: Record<TemplateName, (value: string) => string> = {
  'server-ssl.properties': (value) => escapeValue(value),
  'client-ssl.properties': (value) => escapeValue(value),
  'librdkafka.properties': (value) => {
    if (/[\r\n]/.test(value)) throw new Error(`librdkafka.properties cannot hold a value with a line break: ${JSON.stringify(value)}`);
    return value;
  },
};

export function renderTemplate(name: TemplateName, view: Record<string, string>): string {
  const template = readFileSync(new URL(`${name}.mustache`, TEMPLATE_DIR), 'utf8');
  return Mustache.render(template, view, {}, { escape: ESCAPERS[name] });
}
