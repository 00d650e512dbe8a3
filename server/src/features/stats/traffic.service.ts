import type { TrafficReport } from '../../../../protocol/schools.ts';
import type { Db } from '../../infra/db.ts';

const NO_SCHOOL = '00000000-0000-0000-0000-000000000000';

/**
 * Anonymous traffic counts: page views per page per day and visits per day. What is
 * stored is the counter and nothing else — no address, cookie, user, session or
 * agent — so there is nothing about a person to protect, purge or leak.
 */
export class TrafficService {
  constructor(private readonly db: Db) {}

  /**
   * Counts one page view (and one visit when it is the first page of a tab's
   * session). School pages count on the school's own calendar day; pages before
   * sign-in count on the UTC day.
   */
  async record(schoolId: string | null, page: string, firstOfVisit: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO traffic_daily (school_id, day, page, views, visits)
       VALUES ($1, (now() AT TIME ZONE coalesce((SELECT time_zone FROM schools WHERE id = $1), 'UTC'))::date,
               $2, 1, $3)
       ON CONFLICT (coalesce(school_id, '${NO_SCHOOL}'::uuid), day, page)
       DO UPDATE SET views = traffic_daily.views + 1, visits = traffic_daily.visits + EXCLUDED.visits`,
      [schoolId, page, firstOfVisit ? 1 : 0],
    );
  }

  /** The last `days` days of one school's pages, or of every page of the service (`null`). */
  async report(schoolId: string | null, days = 60): Promise<TrafficReport> {
    const scope = schoolId ? 'school_id = $1' : '($1::uuid IS NULL)';
    const params = [schoolId, days];
    const window = `day > (now() AT TIME ZONE 'UTC')::date - $2::int`;
    const [byDay, byPage, range] = await Promise.all([
      this.db.query<{ day: string; views: number; visits: number }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(views)::int AS views, sum(visits)::int AS visits
           FROM traffic_daily WHERE ${scope} AND ${window} GROUP BY day ORDER BY day`,
        params,
      ),
      this.db.query<{ page: string; views: number; visits: number }>(
        `SELECT page, sum(views)::int AS views, sum(visits)::int AS visits
           FROM traffic_daily WHERE ${scope} AND ${window} GROUP BY page ORDER BY views DESC, page`,
        params,
      ),
      this.db.query<{ from: string; to: string }>(
        `SELECT to_char((now() AT TIME ZONE 'UTC')::date - ($1::int - 1), 'YYYY-MM-DD') AS from,
                to_char((now() AT TIME ZONE 'UTC')::date + 1, 'YYYY-MM-DD') AS to`,
        [days],
      ),
    ]);
    return { from: range.rows[0]!.from, to: range.rows[0]!.to, days: byDay.rows, pages: byPage.rows };
  }
}
