import { interpreterLanguageName } from '../../../protocol/interpreter-language-name.ts';
import { intlLocale, m } from '../lib/i18n/messages.svelte.ts';

/**
 * The language of a meeting's interpreter in the language on screen ("An interpreter for
 * {language} will join you"), as the family's mail names it. Reactive in markup: the
 * language on screen is state.
 */
export function interpreterLanguageOnScreen(tag: string): string {
  return interpreterLanguageName(tag, intlLocale(), () => m.interpreter_language_bfi());
}
