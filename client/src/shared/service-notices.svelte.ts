import type { ServiceMessage, ServiceMessages } from '../../../protocol/status.ts';
import type { ApiClient } from '../lib/api.ts';
import type { LiveConnection } from '../lib/live-connection.svelte.ts';

/**
 * The operator's messages for one school's pages: those for every school and
 * those for this one. Read on every (re)connection, since a change sent while the screen
 * was away is lost, then kept current by `service:messages`, which carries the whole list.
 */
export class ServiceNotices {
  messages = $state.raw<ServiceMessage[]>([]);
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly api: Pick<ApiClient, 'get'>,
    connection: Pick<LiveConnection, 'onConnect' | 'socket'>,
    private readonly schoolId: string,
  ) {
    const onList = (list: ServiceMessages) => this.keep(list.messages);
    connection.socket.on('service:messages', onList);
    this.offs.push(() => connection.socket.off('service:messages', onList));
    this.offs.push(connection.onConnect(() => void this.read()));
  }

  async read(): Promise<void> {
    const res = await this.api.get<ServiceMessages>('/service-messages');
    // Not readable now (the database away): the messages shown stay as they were.
    if (res.ok) this.keep(res.data.messages);
  }

  keep(all: ServiceMessage[]): void {
    this.messages = all.filter((m) => m.schoolId === null || m.schoolId === this.schoolId);
  }

  dispose(): void {
    for (const off of this.offs) off();
  }
}
