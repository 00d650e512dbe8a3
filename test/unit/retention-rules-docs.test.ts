import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { retentionRules } from '../../server/src/features/retention/retention-rules.ts';

/**
 * The privacy page, docs/workers.md and the code say the same thing about
 * retention. The page prints retentionRules(); the docs carry the same table, written
 * for no school in particular and the default archive delay.
 */
describe('retention rules in docs/workers.md', () => {
  const docs = readFileSync(new URL('../../docs/workers.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('### Retention'), docs.indexOf('## Configuration'));
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| What') && !l.startsWith('| ---'))
    .map((l) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );

  it('lists exactly the rules the code runs and the privacy page prints, in order', () => {
    expect(rows).toEqual(retentionRules(null, 30).map((r) => [r.what, r.when]));
  });
});
