/**
 * What a school may override (docs/i18n.md, "A school's own words"): every message of the
 * English catalogue, with its text as an admin should read it and the {placeholders} an
 * override may use. A text naming any other placeholder would show "{x}" to families, so it
 * is refused before anything is written.
 */
import { DomainError } from '../refusals/domain-error.ts';
import { messageKeys, placeholdersOf } from './catalog.ts';
import { english as en } from './translator.ts';

type MessageFn = (inputs?: Record<string, unknown>) => string;

export interface OverridableMessage {
  key: string;
  english: string;
  placeholders: readonly string[];
}

/**
 * The English text with each placeholder shown as {name}. A plural message is shown in its
 * general form: a placeholder's text is no number, so the plural rules pick "other".
 */
export function englishText(key: string): string | null {
  const placeholders = placeholdersOf(key);
  const fn = (en as unknown as Record<string, MessageFn | undefined>)[key];
  if (!placeholders || typeof fn !== 'function') return null;
  return fn(Object.fromEntries(placeholders.map((p) => [p, `{${p}}`])));
}

export function overridableMessages(): OverridableMessage[] {
  return messageKeys()
    .sort()
    .flatMap((key) => {
      const english = englishText(key);
      return english === null ? [] : [{ key, english, placeholders: placeholdersOf(key) ?? [] }];
    });
}

/** The placeholders a text names, as the message layer fills them (i18n/message-proxy.ts). */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\s*([A-Za-z_]\w*)\s*\}/g)].map((m) => m[1] as string))];
}

/** Refuses an override of a message that does not exist, or one naming a placeholder the English lacks. */
export function checkOverride(key: string, text: string): void {
  const allowed = placeholdersOf(key);
  if (!allowed || englishText(key) === null) throw new DomainError('unknown_message');
  const unknown = placeholdersIn(text).filter((p) => !allowed.includes(p));
  if (unknown.length)
    throw new DomainError('unknown_placeholder', undefined, {
      issues: unknown.map((p) => ({
        path: 'text',
        message: allowed.length
          ? `{${p}} is not in this message; it can use ${allowed.map((a) => `{${a}}`).join(', ')}.`
          : `{${p}} is not in this message; it takes no placeholders.`,
      })),
    });
}
