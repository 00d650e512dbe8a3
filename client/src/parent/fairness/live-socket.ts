import type { ConferClientSocket } from '../../lib/live-connection.svelte.ts';

/** The part of the live connection these panels need: listening and stopping (a test double can fake it). */
export type LiveSocket = Pick<ConferClientSocket, 'on' | 'off'>;
