import { describe, expect, it } from 'vitest';
import { retentionRules } from '../../server/src/features/retention/retention-rules.ts';
import { pseudoTranslator, translatorFor } from '../../server/src/i18n/translator.ts';
import { privacyRules } from '../../server/src/pages/privacy-rules.ts';

describe('the privacy page’s retention rules, through the message layer', () => {
  it('say in English word for word what retention-rules.ts (and so the docs) says', () => {
    for (const period of [null, 30, 365, 3650])
      expect(privacyRules(translatorFor('en'), period, 30)).toEqual(retentionRules(period, 30));
    expect(privacyRules(translatorFor('en'), 90, 45)).toEqual(retentionRules(90, 45));
  });

  it('are every one a message (none left in English in the pseudo-locale), with the same figures', () => {
    const rules = privacyRules(pseudoTranslator(), 120, 30);
    expect(rules).toHaveLength(retentionRules(120, 30).length);
    for (const r of rules) {
      expect(r.what).toMatch(/^⟦.*⟧$/);
      expect(r.when).toContain('⟦');
    }
    expect(rules.map((r) => r.when).join(' ')).toContain('120');
  });
});
