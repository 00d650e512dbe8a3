import type { SlotFact } from '../../protocol/index.ts';
import type { ClientSocket } from './test-app.ts';

/** Calls `fn` for every slot fact the socket receives, one at a time (they arrive in `slot:facts` batches). */
export function onSlotFact(socket: ClientSocket, fn: (fact: SlotFact) => void): void {
  socket.on('slot:facts', (facts) => {
    for (const fact of facts) fn(fact);
  });
}
