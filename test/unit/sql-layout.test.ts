import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Where SQL lives (docs/sql.md): migrations hold tables and data; every function,
// trigger and view is in server/sql in its current definition, re-applied after the
// migrations. A migration that replaced a function would be undone by server/sql the
// moment it ran, so from 028 on migrations define none.
const FIRST_WITHOUT_DEFINITIONS = 28;

const migrationsDir = new URL('../../server/migrations/', import.meta.url);
const definitionsDir = new URL('../../server/sql/', import.meta.url);
const read = (dir: URL) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(new URL(name, dir), 'utf8') }));
const migrations = read(migrationsDir);
const definitions = read(definitionsDir);

/** The text outside dollar-quoted bodies, without comments: the statements themselves. */
function statements(sql: string): string {
  return sql
    .replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, '$$…$$')
    .replace(/--.*$/gm, '')
    .replace(/\s+/g, ' ');
}

const CREATES = /\bCREATE (?:OR REPLACE )?(?:CONSTRAINT )?(FUNCTION|VIEW|TRIGGER) (?:public\.)?(\w+)/gi;
const defined = (sql: string) =>
  [...statements(sql).matchAll(CREATES)].map((m) => `${m[1]?.toLowerCase()} ${m[2]}`);

describe('SQL layout', () => {
  it('every function, trigger and view a migration made is in server/sql', () => {
    const made = new Set(migrations.flatMap((m) => defined(m.sql)));
    const kept = new Set(definitions.flatMap((d) => defined(d.sql)));
    expect(made.size).toBeGreaterThan(10);
    expect([...made].filter((d) => !kept.has(d))).toEqual([]);
  });

  it(`migrations from ${FIRST_WITHOUT_DEFINITIONS} on define no function, trigger or view, and widen CHECKs with confer_allow_values`, () => {
    const offending = migrations
      .filter((m) => Number(m.name.slice(0, 3)) >= FIRST_WITHOUT_DEFINITIONS)
      .flatMap((m) => [
        ...defined(m.sql).map((d) => `${m.name}: ${d} (put it in server/sql)`),
        ...(/pg_get_constraintdef/i.test(m.sql)
          ? [`${m.name}: widens a CHECK by hand (use confer_allow_values)`]
          : []),
      ]);
    expect(offending).toEqual([]);
  });

  it('server/sql is idempotent and holds no tables or data', () => {
    for (const { name, sql } of definitions) {
      const text = statements(sql);
      // CREATE without OR REPLACE only right after dropping what it makes (a constraint trigger).
      for (const m of text.matchAll(/\bCREATE (?!OR REPLACE )(?:CONSTRAINT )?(\w+) (\w+)/gi)) {
        expect(text, `${name}: ${m[0]}`).toMatch(new RegExp(`DROP ${m[1]} IF EXISTS ${m[2]}\\b`, 'i'));
      }
      expect(text, name).not.toMatch(/\b(CREATE|ALTER|DROP) (TABLE|TYPE|INDEX|SEQUENCE|EXTENSION)\b/i);
      expect(text, name).not.toMatch(/\b(INSERT INTO|UPDATE \w+ SET|DELETE FROM|TRUNCATE)\b/i);
      expect(text, name).not.toMatch(/\bDO \$/i);
    }
  });
});
