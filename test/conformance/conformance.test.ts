import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerUser, deleteBrokerUser, urlFor, type BrokerUser } from '../../services/gateway/src/amqp/broker-users.ts';
import { inboundSteps } from '../../services/gateway/src/pipeline/inbound.ts';
import { runConformance, formatReport } from '../../services/conformance/src/run.ts';
import type { KitOptions } from '../../services/conformance/src/partner.ts';
import { TestFederation, type TestNode } from '../helpers/nodes.ts';

// The kit plays København (101) against our Albertslund node (165) over the real broker, as its
// own broker user, knowing only the node's URL, tokens and exchange: how CI runs it (npm test).
describe('conformance kit', () => {
  const federation = new TestFederation();
  let kitUser: BrokerUser;

  beforeAll(async () => {
    await federation.start(['165']);
    kitUser = await createBrokerUser('101', federation.exchange, federation.brokerPrefix);
  }, 60_000);
  afterAll(async () => {
    await deleteBrokerUser(kitUser.user);
    await federation.stop();
  });

  const optionsFor = (node: TestNode): KitOptions => ({
    nodeUrl: node.url,
    nodeCode: node.code,
    adminToken: node.token('admin'),
    caseworkerToken: node.token('caseworker'),
    partnerCode: '101',
    amqpUrl: urlFor(federation.amqpUrl, kitUser),
    exchange: federation.exchange,
    timeoutMs: 15_000,
    quietMs: 1_500,
  });

  it('when it plays a partner against our own node, then every rule passes and none is skipped', async () => {
    const report = await runConformance(optionsFor(federation.get('165')));
    expect(report.results.filter((r) => r.outcome !== 'pass'), formatReport(report)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.results.length).toBeGreaterThanOrEqual(25);
  }, 90_000);

  it('when the node is built without its expiry step, then the kit fails and names the expiry rule alone', async () => {
    // The test-only seam: a node whose inbound step table lacks checkExpiry (NodeOptions.inboundSteps).
    const withoutExpiry = inboundSteps.filter((step) => step.name !== 'checkExpiry');
    expect(withoutExpiry).toHaveLength(inboundSteps.length - 1);
    await federation.stopNode('165');
    const broken = await federation.startNode('165', { inboundSteps: withoutExpiry });

    const report = await runConformance(optionsFor(broken));

    expect(report.passed).toBe(false);
    const failed = report.results.filter((r) => r.outcome === 'fail');
    expect(failed.map((r) => r.id), formatReport(report)).toEqual(['expired']);
    expect(failed[0]!.detail).toBe('accepted (a receipt came back)');
    expect(formatReport(report)).toMatch(/^FAIL {2}§\S* +expired: /m);
  }, 90_000);
});
