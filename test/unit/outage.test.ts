import { describe, expect, it } from 'vitest';
import { isBrokerOutage, isDatabaseOutage } from '../../services/gateway/src/domain/outage.ts';

describe('when an error reaches the API', () => {
  it('then the shapes an unreachable PostgreSQL produces are outages', () => {
    const notReachable = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: 'P1001' });
    const terminated = Object.assign(new Error('x'), { meta: { driverAdapterError: Object.assign(new Error('postgres'), { cause: { kind: 'postgres', originalCode: '57P01' } }) } });
    const blocked = new Error('database "kb" is not currently accepting connections');
    const poolDry = Object.assign(new Error('wrapped'), { cause: new Error('timeout exceeded when trying to connect') });
    const noTransaction = Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' });
    expect([notReachable, terminated, blocked, poolDry, noTransaction].map((e) => isDatabaseOutage(e))).toEqual([true, true, true, true, true]);
  });

  it('then failures of the request itself are not outages', () => {
    const unique = Object.assign(new Error('Unique constraint failed'), { code: 'P2002' });
    const raised = Object.assign(new Error('x'), { meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: 'P0001', originalMessage: 'injected failure' } } } });
    expect([unique, raised, new TypeError('undefined is not a function'), undefined].map((e) => isDatabaseOutage(e))).toEqual([false, false, false, false]);
  });

  it('then the broker path saying it is down is a broker outage', () => {
    expect([isBrokerOutage(new Error('broker is down')), isBrokerOutage(new Error('boom'))]).toEqual([true, false]);
  });
});
