import type { LocalRange } from '../../../../protocol/admin.ts';
import {
  type CreateInterpreterRequest,
  canonicalLanguage,
  type DeletedInterpreter,
  type FamilyInterpreterView,
  type InterpreterList,
  type InterpreterLoad,
  type InterpreterSchedule,
  type InterpreterView,
  type InterpreterWindows,
  type UpdateInterpreterRequest,
} from '../../../../protocol/interpreters.ts';
import { type Db, type DbClient, inTransaction } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { eventInSchool, requireAdmin } from '../admin/admin-scope.ts';
import { schoolInstant, schoolTime } from '../admin/local-times.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { interpreterSchedule, interpreterWindows, windowView } from './interpreter-schedule.ts';

interface InterpreterRow {
  id: string;
  name: string;
  languages: string[];
  email: string | null;
}

const view = (r: InterpreterRow): InterpreterView => ({
  id: r.id,
  name: r.name,
  languages: r.languages,
  email: r.email,
});

/** The tags as stored: canonical, each once, in the order given (the schema checked their shape). */
function languages(tags: string[]): string[] {
  return [...new Set(tags.map((t) => canonicalLanguage(t)!))];
}

/** Windows as instants, overlapping or touching ones merged, in time order. */
function mergedWindows(ranges: LocalRange[], timeZone: string): { startsAt: Date; endsAt: Date }[] {
  const spans = ranges
    .map((r, i) => ({
      startsAt: schoolInstant(r.date, r.from, timeZone, `windows.${i}.from`),
      endsAt: schoolInstant(r.date, r.to, timeZone, `windows.${i}.to`),
    }))
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const out: { startsAt: Date; endsAt: Date }[] = [];
  for (const s of spans) {
    const last = out.at(-1);
    if (last && s.startsAt.getTime() <= last.endsAt.getTime()) {
      if (s.endsAt > last.endsAt) last.endsAt = s.endsAt;
    } else out.push({ ...s });
  }
  return out;
}

/**
 * A school's interpreters (migration 033): the list, their windows per event, which
 * families need one, the load of an event and an interpreter's schedule. Admins only,
 * scoped to the admin's school; another school's ids answer `not_found`. The
 * reservations themselves are made by the booking door (booking-interpreters.sql),
 * never here.
 */
export class InterpretersService {
  constructor(
    private readonly db: Db,
    /**
     * Ends the interpreter's own sessions (their sign-in, interpreter-sign-in.ts) and
     * disconnects their sockets; called before the interpreter is deleted, while the
     * session rows still name them.
     */
    private readonly endSessions: (interpreterId: string) => Promise<void> = async () => {},
  ) {}

  async list(p: Principal): Promise<InterpreterList> {
    requireAdmin(p);
    const { rows } = await this.db.query<InterpreterRow>(
      'SELECT id, name, languages, email FROM interpreters WHERE school_id = $1 ORDER BY name, id',
      [p.schoolId],
    );
    return { interpreters: rows.map(view) };
  }

  async create(p: Principal, body: CreateInterpreterRequest): Promise<InterpreterView> {
    requireAdmin(p);
    const { rows } = await this.db.query<InterpreterRow>(
      `INSERT INTO interpreters (school_id, name, languages, email) VALUES ($1, $2, $3, $4)
       RETURNING id, name, languages, email`,
      [p.schoolId, body.name, languages(body.languages), body.email?.toLowerCase() ?? null],
    );
    return view(rows[0]!);
  }

  /**
   * Changes name, languages or e-mail. Meetings already reserved stay with the
   * interpreter even if a language is dropped: they were promised; staff move them.
   */
  async update(
    p: Principal,
    interpreterId: string,
    body: UpdateInterpreterRequest,
  ): Promise<InterpreterView> {
    requireAdmin(p);
    const { rows } = await this.db.query<InterpreterRow>(
      `UPDATE interpreters SET name = coalesce($3, name), languages = coalesce($4, languages),
              email = CASE WHEN $5 THEN $6 ELSE email END
        WHERE id = $1 AND school_id = $2
       RETURNING id, name, languages, email`,
      [
        interpreterId,
        p.schoolId,
        body.name ?? null,
        body.languages ? languages(body.languages) : null,
        body.email !== undefined,
        body.email?.toLowerCase() ?? null,
      ],
    );
    if (!rows[0]) throw new DomainError('not_found', 'No such interpreter.');
    // A sign-in link mailed to the old address must not keep working.
    if (body.email !== undefined)
      await this.db.query(
        `UPDATE interpreter_links SET used_at = now(), token_sealed = NULL
          WHERE interpreter_id = $1 AND used_at IS NULL`,
        [interpreterId],
      );
    return view(rows[0]);
  }

  /** Removes an interpreter with no held or booked meeting; one with meetings is refused, listing them. */
  async remove(p: Principal, interpreterId: string): Promise<DeletedInterpreter> {
    requireAdmin(p);
    return inTransaction(this.db, async (client) => {
      await this.lockInterpreter(client, p, interpreterId);
      const meetings = await this.liveMeetings(client, interpreterId, null);
      if (meetings.length > 0)
        throw inTheWay(meetings, 'This interpreter has held or booked meetings: move or cancel them first.');
      // Before the row goes: deleting it cascades to their session rows, which would then
      // no longer say whose cached sessions and open sockets to end.
      await this.endSessions(interpreterId);
      await client.query('DELETE FROM interpreters WHERE id = $1', [interpreterId]);
      return { id: interpreterId, deleted: true as const };
    });
  }

  /**
   * Replaces the interpreter's windows at the event. Refused (`bookings_in_the_way`,
   * each meeting listed) when a held or booked meeting would no longer lie inside one.
   */
  async setWindows(
    p: Principal,
    eventId: string,
    interpreterId: string,
    ranges: LocalRange[],
  ): Promise<InterpreterWindows> {
    requireAdmin(p);
    return inTransaction(this.db, async (client) => {
      const event = await eventInSchool(client, p, eventId, { forChange: true });
      // The row lock orders two window changes of one interpreter.
      await this.lockInterpreter(client, p, interpreterId);
      const wanted = mergedWindows(ranges, event.time_zone);
      const outside = (await this.liveMeetings(client, interpreterId, eventId)).filter(
        (m) => !wanted.some((w) => w.startsAt <= m.starts_at && m.ends_at <= w.endsAt),
      );
      if (outside.length > 0)
        throw inTheWay(
          outside,
          'Meetings this interpreter holds would lie outside the new windows: move those families first, or keep the window.',
          event.time_zone,
        );
      await client.query('DELETE FROM interpreter_availability WHERE event_id = $1 AND interpreter_id = $2', [
        eventId,
        interpreterId,
      ]);
      await client.query(
        `INSERT INTO interpreter_availability (interpreter_id, event_id, starts_at, ends_at)
         SELECT $1, $2, s, e FROM unnest($3::timestamptz[], $4::timestamptz[]) AS t(s, e)`,
        [interpreterId, eventId, wanted.map((w) => w.startsAt), wanted.map((w) => w.endsAt)],
      );
      return {
        eventId,
        interpreterId,
        timeZone: event.time_zone,
        windows: wanted.map((w) => windowView(w.startsAt, w.endsAt, event.time_zone)),
      };
    });
  }

  /**
   * Sets or clears (null) the language a family needs an interpreter for. Meetings
   * already booked keep (or stay without) their interpreter; the next hold, move or
   * confirmation of the family is held to the new need. Clearing it is how staff book
   * a family without an interpreter (recorded, like every admin change).
   */
  async setFamilyLanguage(
    p: Principal,
    familyId: string,
    language: string | null,
  ): Promise<FamilyInterpreterView> {
    requireAdmin(p);
    const tag = language === null ? null : canonicalLanguage(language);
    const { rows } = await this.db.query<{ id: string; interpreter_language: string | null }>(
      `UPDATE families SET interpreter_language = $3 WHERE id = $1 AND school_id = $2 AND erased_at IS NULL
       RETURNING id, interpreter_language`,
      [familyId, p.schoolId, tag],
    );
    if (!rows[0]) throw new DomainError('not_found', 'No such family.');
    return { familyId: rows[0].id, language: rows[0].interpreter_language };
  }

  /** Per interpreter of the school: their windows at the event, booked and free minutes, meetings. */
  async load(p: Principal, eventId: string): Promise<InterpreterLoad> {
    requireAdmin(p);
    const event = await eventInSchool(this.db, p, eventId);
    const { rows } = await this.db.query<
      InterpreterRow & {
        windows: { s: string; e: string }[];
        window_minutes: number;
        booked: number;
        meetings: number;
      }
    >(
      `SELECT i.id, i.name, i.languages, i.email,
              coalesce((SELECT jsonb_agg(jsonb_build_object('s', w.starts_at, 'e', w.ends_at) ORDER BY w.starts_at)
                          FROM interpreter_availability w WHERE w.interpreter_id = i.id AND w.event_id = $2), '[]') AS windows,
              coalesce((SELECT sum(extract(epoch FROM w.ends_at - w.starts_at) / 60)
                          FROM interpreter_availability w WHERE w.interpreter_id = i.id AND w.event_id = $2), 0)::int
                AS window_minutes,
              coalesce(sum(extract(epoch FROM b.ends_at - b.starts_at) / 60), 0)::int AS booked,
              count(b.id)::int AS meetings
         FROM interpreters i
         LEFT JOIN booking_interpreters bi ON bi.interpreter_id = i.id AND bi.event_id = $2
              AND bi.status IN ('held', 'confirmed')
         LEFT JOIN bookings b ON b.id = bi.booking_id AND booking_is_active(b.status, b.expires_at)
        WHERE i.school_id = $1
        GROUP BY i.id ORDER BY i.name, i.id`,
      [p.schoolId, eventId],
    );
    const { rows: needing } = await this.db.query<{ language: string; families: number }>(
      `SELECT interpreter_language AS language, count(*)::int AS families FROM families
        WHERE school_id = $1 AND interpreter_language IS NOT NULL AND erased_at IS NULL
        GROUP BY 1 ORDER BY 1`,
      [p.schoolId],
    );
    return {
      eventId,
      timeZone: event.time_zone,
      interpreters: rows.map((r) => ({
        interpreterId: r.id,
        name: r.name,
        languages: r.languages,
        windows: r.windows.map((w) => windowView(new Date(w.s), new Date(w.e), event.time_zone)),
        windowMinutes: r.window_minutes,
        bookedMinutes: r.booked,
        meetings: r.meetings,
        freeMinutes: Math.max(0, r.window_minutes - r.booked),
      })),
      familiesNeeding: needing,
    };
  }

  async schedule(p: Principal, eventId: string, interpreterId: string): Promise<InterpreterSchedule> {
    requireAdmin(p);
    return interpreterSchedule(this.db, p.schoolId, eventId, interpreterId);
  }

  async windows(p: Principal, eventId: string, interpreterId: string): Promise<InterpreterWindows> {
    requireAdmin(p);
    const event = await eventInSchool(this.db, p, eventId);
    await this.lockInterpreter(this.db, p, interpreterId, false);
    return {
      eventId,
      interpreterId,
      timeZone: event.time_zone,
      windows: await interpreterWindows(this.db, eventId, interpreterId, event.time_zone),
    };
  }

  private async lockInterpreter(
    q: DbClient | Db,
    p: Principal,
    interpreterId: string,
    forUpdate = true,
  ): Promise<void> {
    const { rowCount } = await q.query(
      `SELECT 1 FROM interpreters WHERE id = $1 AND school_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [interpreterId, p.schoolId],
    );
    if (!rowCount) throw new DomainError('not_found', 'No such interpreter.');
  }

  /** The interpreter's held and booked meetings (of one event, or all), lapsed holds left out. */
  private async liveMeetings(q: DbClient, interpreterId: string, eventId: string | null) {
    const { rows } = await q.query<Meeting>(
      `SELECT b.id, b.starts_at, b.ends_at, t.title, t.first_name, t.surname, sc.time_zone
         FROM booking_interpreters bi JOIN bookings b ON b.id = bi.booking_id
         JOIN staff t ON t.id = b.staff_id
         JOIN events e ON e.id = b.event_id JOIN schools sc ON sc.id = e.school_id
        WHERE bi.interpreter_id = $1 AND ($2::uuid IS NULL OR bi.event_id = $2)
          AND bi.status IN ('held', 'confirmed') AND booking_is_active(b.status, b.expires_at)
        ORDER BY b.starts_at`,
      [interpreterId, eventId],
    );
    return rows;
  }
}

interface Meeting {
  id: string;
  starts_at: Date;
  ends_at: Date;
  title: string;
  first_name: string;
  surname: string;
  time_zone: string;
}

function inTheWay(meetings: Meeting[], message: string, timeZone?: string): DomainError {
  return new DomainError('bookings_in_the_way', message, {
    issues: meetings.map((m) => ({
      path: `bookings.${m.id}`,
      message: `${schoolTime(m.starts_at, timeZone ?? m.time_zone)} with ${staffDisplayName(m)}`,
    })),
  });
}
