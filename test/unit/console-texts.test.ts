import { describe, expect, it } from 'vitest';
import { refusals } from '../../services/gateway/src/domain/errors.ts';
import { disputeReasons } from '../../services/gateway/src/domain/invoicing.ts';
// The console's own module: a plain ES module served to the browser, without type declarations.
// @ts-expect-error no declaration file for a browser module
import { disputeTexts, explain, refusalTexts } from '../../services/gateway/src/console/public/refusals.js';

describe('refusal codes in Danish', () => {
  it('when any refusal code of domain/errors.ts reaches the console, then it has a Danish text and a next step', () => {
    const missing = Object.keys(refusals).filter((code) => !(code in refusalTexts));
    expect(missing).toEqual([]);
    for (const [text, next] of Object.values(refusalTexts) as [string, string][]) {
      expect(text.length).toBeGreaterThan(5);
      expect(next.length).toBeGreaterThan(5);
    }
  });

  it('when consent is missing, then the next step says to record it before sending', () => {
    expect(explain('consent_missing')).toEqual({ text: 'Borgerens samtykke mangler.', next: 'Registrér borgerens samtykke, før du sender.' });
  });

  it('when an invoice line is disputed, then every reason code is explained', () => {
    expect(disputeReasons.filter((r) => !(r in disputeTexts))).toEqual([]);
  });
});
