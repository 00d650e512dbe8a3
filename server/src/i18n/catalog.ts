/**
 * The English catalog's keys and each message's {placeholders}, written by `npm run i18n`:
 * what a school's override may name and use (an override with another placeholder would show
 * "{x}" to families).
 */
import { readFileSync } from 'node:fs';

let inputs: Record<string, string[]> | null = null;

function catalog(): Record<string, string[]> {
  inputs ??= JSON.parse(
    readFileSync(new URL('../../../i18n/paraglide/catalog.json', import.meta.url), 'utf8'),
  ) as Record<string, string[]>;
  return inputs;
}

/** The placeholders of message `key`, or null when there is no such message. */
export function placeholdersOf(key: string): readonly string[] | null {
  return catalog()[key] ?? null;
}

export function messageKeys(): string[] {
  return Object.keys(catalog());
}
