import { canonicalLanguage } from '../../../../protocol/interpreters.ts';
import type { SnapshotInterpreter } from '../../../../protocol/schemas.ts';
import type { Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { interpreterFreeSlots } from './free-interpreters.ts';

export interface NeedChange {
  familyId: string;
  language: string | null;
  before: string | null;
}

function familyOnly(p: Principal): asserts p is Extract<Principal, { kind: 'family' }> {
  if (p.kind !== 'family') throw new DomainError('forbidden', 'Only a family says it needs an interpreter.');
}

/**
 * The family's own side of interpreters (docs/booking-door.md, "Interpreters"): it says
 * it needs one, or no longer does, and asks where one is free. The need binds from its
 * next hold, move or confirmation; the booking door's trigger does the rest, so meetings
 * already held or booked keep (or stay without) their interpreter.
 */
export class FamilyInterpreterService {
  constructor(private readonly db: Queryable) {}

  /** `language` has passed LanguageTag: its canonical form is what is stored and compared. */
  async setOwn(p: Principal, language: string): Promise<NeedChange> {
    familyOnly(p);
    const tag = canonicalLanguage(language);
    if (tag === null)
      throw new DomainError('invalid_input', undefined, {
        issues: [{ path: 'language', message: 'Use a BCP-47 language code, such as pl, ur or pt-BR.' }],
      });
    const change = await this.write(p, tag, false);
    if (!change) throw new DomainError('not_found', 'No such family.');
    return change;
  }

  /**
   * Answers `not_found` when the family needs none: clearing nothing would still be a
   * change in the record, and a repeated request has nothing to undo.
   */
  async clearOwn(p: Principal): Promise<NeedChange> {
    familyOnly(p);
    const change = await this.write(p, null, true);
    if (!change) throw new DomainError('not_found', 'Your family does not need an interpreter.');
    return change;
  }

  /**
   * Where an interpreter is free at the event, as the availability snapshot says it
   * (`interpreterFreeSlots`): the family's screen asks again after the event's facts,
   * which do not carry it. null: the family needs none.
   */
  async free(p: Principal, eventId: string): Promise<SnapshotInterpreter | null> {
    familyOnly(p);
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT s.id FROM slots s JOIN events e ON e.id = s.event_id
        WHERE e.id = $1 AND e.school_id = $2`,
      [eventId, p.schoolId],
    );
    if (rows.length === 0) {
      const { rowCount } = await this.db.query('SELECT 1 FROM events WHERE id = $1 AND school_id = $2', [
        eventId,
        p.schoolId,
      ]);
      if (!rowCount) throw new DomainError('not_found', 'This event does not exist.');
    }
    return (
      (await interpreterFreeSlots(
        this.db,
        p.familyId,
        rows.map((r) => r.id),
      )) ?? null
    );
  }

  /** The need before and after, for the record; null when no row was changed. */
  private async write(
    p: Extract<Principal, { kind: 'family' }>,
    tag: string | null,
    onlyIfSet: boolean,
  ): Promise<NeedChange | null> {
    const { rows } = await this.db.query<{ id: string; language: string | null; before: string | null }>(
      `WITH old AS (
         SELECT id, interpreter_language FROM families
          WHERE id = $1 AND school_id = $2 AND erased_at IS NULL
            AND (NOT $4 OR interpreter_language IS NOT NULL) FOR UPDATE)
       UPDATE families f SET interpreter_language = $3 FROM old WHERE f.id = old.id
       RETURNING f.id, f.interpreter_language AS language, old.interpreter_language AS before`,
      [p.familyId, p.schoolId, tag, onlyIfSet],
    );
    if (!rows[0]) return null;
    return { familyId: rows[0].id, language: rows[0].language, before: rows[0].before };
  }
}
