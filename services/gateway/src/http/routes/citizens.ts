import { Router } from 'express';
import { citizenReport, type CitizenReportDeps } from '../../use-cases/citizen-report.ts';
import { allow, callerOf } from '../auth.ts';
import { citizenCprOf, purposeOf } from '../citizen-headers.ts';
import { citizenReportPage } from '../citizen-report-page.ts';

export function citizenRoutes(deps: CitizenReportDeps): Router {
  const router = Router();

  // The citizen's access report (GDPR art. 15): JSON, or a printable Danish page with Accept: text/html.
  router.get('/citizens/report', allow('caseworker', 'admin'), async (req, res) => {
    const cpr = citizenCprOf(req);
    const purpose = purposeOf(req);
    const report = await citizenReport(deps, callerOf(res), cpr, purpose);
    res.set('cache-control', 'no-store').vary('Accept');
    if (req.accepts(['json', 'html']) === 'html') res.type('html').send(citizenReportPage(report));
    else res.json(report);
  });

  return router;
}
