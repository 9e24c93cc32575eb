// Danish words for the API's codes.
export const roleNames = { outreach: 'Gadeplan (opsøgende)', shelter: 'Herberg', caseworker: 'Sagsbehandler', finance: 'Økonomi', admin: 'Administrator' };
export const typeNames = {
  'street-sleeper.notice': 'Underretning om gadesover', 'street-sleeper.response': 'Svar fra hjemkommune', 'street-sleeper.update': 'Opdatering',
  'street-sleeper.closed': 'Afsluttet', 'shelter.admission-notice': 'Meddelelse om optagelse (§ 110)', 'handling.decision-request': 'Anmodning om afgørelse',
  'handling.decision': 'Afgørelse om handlekommune', 'shelter.stay-plan': 'Opholdsplan', 'shelter.assessment': 'Udredning',
  'shelter.discharge-notice': 'Meddelelse om udskrivning', 'stay-invoice': 'Faktura for ophold', 'invoice.reconciliation': 'Svar på faktura',
  'consent.withdrawn': 'Samtykke trukket tilbage', 'trust.key-rotation': 'Nøgleskift', 'audit.checkpoint': 'Kontrolpunkt for logge', receipt: 'Kvittering', error: 'Afvisning',
};
export const statusNames = { queued: 'i kø', sent: 'sendt', delivered: 'modtaget hos modtager', rejected: 'afvist', failed: 'kunne ikke leveres', accepted: 'modtaget', undelivered: 'ikke leveret endnu' };
export const stateNames = {
  notified: 'underrettet', answered: 'besvaret', closed: 'afsluttet', admitted: 'optaget', 'decision-requested': 'afgørelse anmodet', accepted: 'accepteret',
  declined: 'afvist', forwarded: 'videresendt', discharged: 'udskrevet', invoiced: 'faktureret', reconciled: 'afstemt', announced: 'annonceret',
};
export const deadlineStates = { pending: 'afventer', met: 'overholdt', overdue: 'overskredet', cancelled: 'annulleret' };
export const decisionNames = { accept: 'accepteret', decline: 'afvist', forward: 'videresendt' };
export const keyStates = { pending: 'afventer godkendelse', 'pending-rotation': 'nøgleskift afventer', active: 'aktiv', retired: 'udfaset', revoked: 'tilbagekaldt' };
export const modelNames = { 'street-sleeper-handoff': 'Gadesover', 'shelter-stay': 'Herbergsophold (§ 110)', 'stay-invoicing': 'Fakturering', trust: 'Tillid', 'consent-notices': 'Samtykke' };
export const invoiceStatus = { sent: 'sendt', received: 'modtaget', answered: 'besvaret', reconciled: 'afstemt' };
export const deadlineTitles = {
  'street-sleeper-response': 'Svar fra hjemkommunen (2 arbejdsdage)', 'admission-notice': 'Meddelelse om optagelse (3 arbejdsdage, SEL § 110 stk. 6)',
  'stay-plan': 'Opholdsplan (7 dage)', assessment: 'Udredning (6 uger)', 'stay-120-days': 'Ophold over 120 dage', 'invoice-answer': 'Svar på faktura (30 dage)',
};
export const name = (table, code) => table[code] ?? code;
export const partyNames = { outreach: 'Gadeplan', home: 'Hjemkommune', shelter: 'Herberg', handling: 'Handlekommune', paying: 'Betalende kommune', announcer: 'Afsender', partner: 'Partner', controller: 'Dataansvarlig', recipient: 'Modtager' };
