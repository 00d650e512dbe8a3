import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpSchema, SCHEMA_FILE } from '../../server/scripts/schema-snapshot.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

// server/schema.sql is what a fresh migrate makes (the run's template database is one):
// a migration or a change in server/sql without `npm run schema:dump` fails here.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('server/schema.sql', () => {
  it('is the schema a fresh migrate makes (else run `npm run schema:dump`)', async () => {
    const fresh = await dumpSchema(database.url);
    expect(fresh).toMatch(/CREATE FUNCTION public\.confer_booking_refusal/);
    expect(await readFile(SCHEMA_FILE, 'utf8'), 'server/schema.sql is stale: run `npm run schema:dump`').toBe(
      fresh,
    );
  });
});
