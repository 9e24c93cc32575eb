// What each party sees, printed in Danish with Copenhagen times (the demo's console output).
import { municipalityName } from '../../gateway/src/config/municipalities.ts';

const typeNames: Record<string, string> = {
  'street-sleeper.notice': 'Henvendelse om gadesover',
  'street-sleeper.response': 'Svar fra hjemkommunen',
  'shelter.admission-notice': 'Meddelelse om optagelse (SEL § 110)',
  'handling.decision-request': 'Spørgsmål om handlekommune',
  'handling.decision': 'Afgørelse om handlekommune',
  'shelter.stay-plan': 'Opholdsplan',
  'shelter.assessment': 'Udredning',
  'handleplan.shared': 'Handleplan (SEL § 142)',
  'handleplan.update': 'Status på handleplanen',
  'shelter.ready-to-move': 'Klar til egen bolig',
  'shelter.discharge-notice': 'Udskrivning',
  'handling.transfer': 'Skift af handlekommune (RSL § 9)',
  'stay-invoice': 'Opholdsregning',
  'invoice.reconciliation': 'Afstemning af regning',
};
const stateNames: Record<string, string> = { pending: 'afventer', met: 'overholdt', overdue: 'overskredet', cancelled: 'bortfaldet' };
const deadlineNames: Record<string, string> = {
  'street-sleeper-response': 'Hjemkommunen svarer på henvendelsen',
  'admission-notice': 'Forsorgshjemmet giver handlekommunen besked om optagelsen',
  'stay-plan': 'Opholdsplan i første uge',
  assessment: 'Udredning inden 6 uger',
  'stay-120-days': 'Opholdet når 120 dage',
  handleplan: 'Handlekommunen deler handleplanen',
  'ready-to-move-120-days': '120 dage siden borgeren var klar til egen bolig',
  'invoice-answer': 'Betalende kommune svarer på regningen',
};
const conversationStates: Record<string, string> = {
  notified: 'underrettet', answered: 'besvaret', closed: 'afsluttet', admitted: 'optaget', 'decision-requested': 'afventer afgørelse', accepted: 'accepteret',
  declined: 'afvist', forwarded: 'videresendt', transferred: 'overdraget', 'transfer-disputed': 'uenighed om handlekommune', discharged: 'udskrevet',
};
const roleNames: Record<string, string> = { outreach: 'opsøgende', home: 'hjemkommune', shelter: 'forsorgshjem', handling: 'handlekommune', paying: 'betaler' };

const copenhagen = new Intl.DateTimeFormat('da-DK', { timeZone: 'Europe/Copenhagen', dateStyle: 'medium', timeStyle: 'short' });
export const when = (iso: string | Date) => copenhagen.format(new Date(iso));
export const kr = (oere: number) => `${(oere / 100).toLocaleString('da-DK', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} kr.`;
export const name = (code: string) => `${municipalityName(code)} (${code})`;

export function header(text: string): void {
  console.log(`\n${text}\n${'─'.repeat(Math.min(text.length, 100))}`);
}

export function event(at: Date, text: string): void {
  console.log(`  ${when(at).padEnd(22)} ${text}`);
}

/** One party's view of a conversation: roles, timeline, deadlines with their source. */
export function printConversation(code: string, c: any): void {
  const roles = Object.entries(c.roles as Record<string, { code: string }>).map(([r, m]) => `${roleNames[r] ?? r}: ${name(m.code)}`);
  console.log(`\n  Sådan ser ${municipalityName(code)} sagen: tilstand «${conversationStates[c.state] ?? c.state}»; ${roles.join(', ')}`);
  for (const m of c.timeline) {
    const arrow = m.direction === 'out' ? `sendt til ${municipalityName(m.to)}` : `modtaget fra ${municipalityName(m.from)}`;
    console.log(`    ${when(m.createdAt).padEnd(22)} ${(typeNames[m.type] ?? m.type).padEnd(38)} ${arrow}`);
  }
  for (const d of c.deadlines) {
    const met = d.metOn ? `, opfyldt ${d.metOn}` : '';
    console.log(`    frist: ${deadlineNames[d.deadline] ?? d.title}: ${d.dueOn} — ${stateNames[d.state] ?? d.state}${met}`);
    console.log(`          kilde: ${d.reference}`);
  }
}
