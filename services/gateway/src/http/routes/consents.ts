import { Router } from 'express';
import type { Role } from '../../config/index.ts';
import { isPlausibleCpr } from '../../domain/cpr.ts';
import { Refusal } from '../../domain/errors.ts';
import type { Parts } from '../../parts.ts';
import type { SendDeps as OutboundDeps } from '../../use-cases/messages.ts';
import { consentView, consentsOfCitizen, findConsent, recordConsent, verifyConsentLog, withdrawConsent } from '../../use-cases/consents.ts';
import { allow, callerOf } from '../auth.ts';
import { purposeOf } from '../citizen-headers.ts';

const consentRoles: Role[] = ['outreach', 'caseworker', 'shelter', 'admin'];

export function consentRoutes(deps: OutboundDeps & Pick<Parts, 'consents' | 'messages' | 'conversations' | 'checkpoints' | 'ownKeys'>): Router {
  const router = Router();

  router.post('/consents', allow(...consentRoles), async (req, res) => {
    const consent = await recordConsent(deps, callerOf(res), req.body);
    res.status(201).location(`/consents/${consent.id}`).json(consentView(consent, deps.now()));
  });

  // The CPR number travels in a header, never in a URL: URLs end up in access logs and proxies.
  // Every look-up says why (X-Purpose) and is audited without the CPR.
  router.get('/consents', allow(...consentRoles), async (req, res) => {
    const cpr = req.get('x-citizen-cpr');
    if (!cpr) throw new Refusal('citizen_header_missing');
    if (!isPlausibleCpr(cpr)) throw new Refusal('schema_invalid', 'X-Citizen-CPR is not a plausible CPR number');
    const purpose = purposeOf(req);
    const consents = await consentsOfCitizen(deps, callerOf(res), cpr, purpose);
    res.json({ consents: consents.map((c) => consentView(c, deps.now())) });
  });

  router.get('/consents/verify', allow('admin'), async (_req, res) => {
    const report = await verifyConsentLog(deps);
    res.status(report.ok ? 200 : 409).json(report);
  });

  router.get('/consents/:id', allow(...consentRoles), async (req, res) => {
    res.json(consentView(await findConsent(deps, req.params.id as string), deps.now()));
  });

  router.post('/consents/:id/withdraw', allow(...consentRoles), async (req, res) => {
    const { consent, notified } = await withdrawConsent(deps, callerOf(res), req.params.id as string, req.body ?? {});
    res.json({ ...consentView(consent, deps.now()), notified });
  });

  return router;
}
