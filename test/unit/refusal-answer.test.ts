import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../server/src/infra/circuit.ts';
import { CpuPoolFull, CpuTaskFailed, CpuTaskOverran } from '../../server/src/infra/cpu-pool.ts';
import { DomainError } from '../../server/src/refusals/domain-error.ts';
import { refusalOf } from '../../server/src/refusals/refusal-answer.ts';

// The one place an error becomes what a caller is told (HTTP, sockets, Express's last
// handler): every 503 comes from here.
describe('refusalOf', () => {
  it('gives a domain refusal its own code and message', () => {
    const r = refusalOf(new DomainError('slot_taken', 'Someone was quicker.'));
    expect(r).toMatchObject({ code: 'slot_taken', message: 'Someone was quicker.' });
  });

  it('answers a dependency down, frozen or refused by its circuit with unavailable and when to come back', () => {
    expect(refusalOf(new UnavailableError('postgres', 7))).toMatchObject({
      code: 'unavailable',
      retryAfter: 7,
    });
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    expect(refusalOf(lost)).toMatchObject({ code: 'unavailable', retryAfter: 1 });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(refusalOf(refused)).toMatchObject({ code: 'unavailable' });
  });

  it('answers a busy or overrun CPU pool with unavailable and the pool’s Retry-After', () => {
    expect(refusalOf(new CpuPoolFull())).toMatchObject({ code: 'unavailable', retryAfter: 1 });
    expect(refusalOf(new CpuTaskOverran())).toMatchObject({ code: 'unavailable', retryAfter: 2 });
  });

  it('leaves a defect to the edge (logged, answered internal)', () => {
    expect(refusalOf(new CpuTaskFailed('worker died'))).toBeNull();
    expect(refusalOf(new TypeError('x is undefined'))).toBeNull();
    expect(refusalOf('a string')).toBeNull();
  });
});
