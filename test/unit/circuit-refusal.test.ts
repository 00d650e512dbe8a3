import { describe, expect, it } from 'vitest';
import { Circuit, UnavailableError } from '../../server/src/infra/circuit.ts';

// A call the open circuit refuses must be a rejected promise, like any other failure
// of pool.query: callers write `db.query(…).catch(…)` in fire-and-forget paths
// (sessions' last_seen_at), and a synchronous throw there escaped the catch as an
// unhandled rejection that killed a server in the chaos run (PostgreSQL's heartbeat
// missed under load and opened the circuit).
describe('Circuit.run while open', () => {
  it('returns a rejected promise with UnavailableError instead of throwing, and does not run the call', async () => {
    let now = 0;
    const circuit = new Circuit('postgres', { failureThreshold: 1, openMs: 1000, now: () => now });
    circuit.trip();
    let ran = false;
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = circuit.run(async () => {
        ran = true;
      });
    }).not.toThrow();
    await expect(result).rejects.toBeInstanceOf(UnavailableError);
    expect(ran).toBe(false);
    // After the open period the next call probes and runs.
    now = 1000;
    await expect(circuit.run(async () => 'probed')).resolves.toBe('probed');
    expect(circuit.state).toBe('closed');
  });
});
