import type { EditServiceMessage, PostServiceMessage, ServiceMessage } from '../../../../protocol/status.ts';
import { SERVICE_MESSAGES_EVENT } from '../../../../protocol/status.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';

/** Every connected screen; a message is public (/status shows it), so all may hear the list. */
export interface EveryScreen {
  emit(event: typeof SERVICE_MESSAGES_EVENT, payload: { messages: ServiceMessage[] }): unknown;
}

/** How long the current list is served from memory: a reconnect storm asks the database once. */
const CACHE_MS = 2_000;

const SELECT = `SELECT m.id, m.school_id, s.name AS school_name, m.body, m.posted_at, m.updated_at, m.ended_at
                  FROM service_messages m LEFT JOIN schools s ON s.id = m.school_id`;

interface Row {
  id: string;
  school_id: string | null;
  school_name: string | null;
  body: string;
  posted_at: Date;
  updated_at: Date;
  ended_at: Date | null;
}

function toView(r: Row): ServiceMessage {
  return {
    id: r.id,
    schoolId: r.school_id,
    schoolName: r.school_name,
    body: r.body,
    postedAt: r.posted_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    endedAt: r.ended_at ? r.ended_at.toISOString() : null,
  };
}

/**
 * The operator's messages: posted for everyone or one school, edited, ended.
 * Current ones show on /status and as a banner on the school's pages; every change is
 * sent to every screen at once (`service:messages`) and a screen that was away reads
 * them again when it reconnects.
 */
export class ServiceMessagesService {
  private cached: { at: number; messages: ServiceMessage[] } | null = null;
  /** The last list read: /status still shows it while the database is away. */
  private lastKnown: ServiceMessage[] = [];

  constructor(
    private readonly db: Db,
    private readonly screens: EveryScreen,
    private readonly logError: (err: unknown, context: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The messages in force now, newest first. */
  async current(): Promise<ServiceMessage[]> {
    const now = this.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.messages;
    const { rows } = await this.db.query<Row>(`${SELECT} WHERE m.ended_at IS NULL ORDER BY m.posted_at DESC`);
    const messages = rows.map(toView);
    this.cached = { at: now, messages };
    this.lastKnown = messages;
    return messages;
  }

  /** As current(), or the last list read when the database cannot answer. */
  async currentOrLastKnown(): Promise<ServiceMessage[]> {
    try {
      return await this.current();
    } catch {
      return this.lastKnown;
    }
  }

  /** The operator's list: current ones and the last ended ones. */
  async all(): Promise<ServiceMessage[]> {
    const { rows } = await this.db.query<Row>(
      `${SELECT} ORDER BY (m.ended_at IS NULL) DESC, m.posted_at DESC LIMIT 50`,
    );
    return rows.map(toView);
  }

  async get(id: string): Promise<ServiceMessage> {
    const { rows } = await this.db.query<Row>(`${SELECT} WHERE m.id = $1`, [id]);
    if (!rows[0]) throw new DomainError('not_found', 'There is no such message.');
    return toView(rows[0]);
  }

  async post(body: PostServiceMessage): Promise<ServiceMessage> {
    const schoolId = body.schoolId ?? null;
    if (schoolId) {
      const { rowCount } = await this.db.query('SELECT 1 FROM schools WHERE id = $1', [schoolId]);
      if (!rowCount) throw new DomainError('not_found', 'There is no such school.');
    }
    const { rows } = await this.db.query<{ id: string }>(
      'INSERT INTO service_messages (school_id, body) VALUES ($1, $2) RETURNING id',
      [schoolId, body.body],
    );
    return this.changed(rows[0]!.id);
  }

  /** New words for a current message; an ended one is history and does not change. */
  async edit(id: string, body: EditServiceMessage): Promise<ServiceMessage> {
    await this.requireCurrent(id);
    await this.db.query('UPDATE service_messages SET body = $2, updated_at = now() WHERE id = $1', [
      id,
      body.body,
    ]);
    return this.changed(id);
  }

  async end(id: string): Promise<ServiceMessage> {
    await this.requireCurrent(id);
    await this.db.query('UPDATE service_messages SET ended_at = now(), updated_at = now() WHERE id = $1', [
      id,
    ]);
    return this.changed(id);
  }

  private async requireCurrent(id: string): Promise<void> {
    const m = await this.get(id);
    if (m.endedAt) throw new DomainError('not_found', 'That message has ended already.');
  }

  /** After the change committed: every screen hears the new list. */
  private async changed(id: string): Promise<ServiceMessage> {
    this.cached = null;
    const view = await this.get(id);
    try {
      this.screens.emit(SERVICE_MESSAGES_EVENT, { messages: await this.current() });
    } catch (err) {
      // A lost announcement is caught up on the screens' next reconnect or reload.
      this.logError(err, 'announce service messages');
    }
    return view;
  }
}
