// Every refusal code of services/gateway/src/domain/errors.ts in Danish, with the next step.
// test/unit/console-texts.test.ts checks that no code is missing.

export const refusalTexts = {
  unauthenticated: ['Du er ikke logget ind, eller din session er udløbet.', 'Log ind igen.'],
  role_forbidden: ['Din rolle må ikke gøre dette.', 'Bed en kollega med den rette rolle, eller kontakt administratoren.'],
  csrf_invalid: ['Ændringen blev afvist, fordi sikkerhedsnøglen til sessionen manglede.', 'Genindlæs siden og prøv igen.'],
  body_malformed: ['Forespørgslen kunne ikke læses.', 'Genindlæs siden og prøv igen.'],
  request_invalid: ['Forespørgslen er ugyldig.', 'Genindlæs siden og prøv igen.'],
  body_too_complex: ['Det sendte er for indviklet (for dybt eller for mange felter).', 'Forenkl teksterne og prøv igen.'],
  headers_too_large: ['Adressen eller forespørgslen er for lang.', 'Gå tilbage til oversigten og prøv igen.'],
  reply_unknown: ['Svaret henviser til en besked, vi ikke har modtaget i denne sag.', 'Åbn sagen og svar på den besked, der står i tidslinjen.'],
  system_only: ['Denne besked sendes kun af systemet selv.', 'Brug den tilsvarende funktion, fx "Tilbagekald samtykke" eller "Rotér nøgle".'],
  purpose_missing: ['Opslaget på et CPR-nummer mangler et formål.', 'Skriv, hvorfor du slår borgeren op, og prøv igen.'],
  idempotency_key_invalid: ['Forespørgslens gentagelsesnøgle er ugyldig.', 'Genindlæs siden og send igen.'],
  idempotency_key_reused: ['Den samme gentagelsesnøgle blev brugt til en anden besked.', 'Genindlæs siden og send igen.'],
  idempotency_in_progress: ['Den samme besked er ved at blive sendt.', 'Vent et øjeblik, og se så i oversigten, om den er sendt.'],
  database_unavailable: ['Databasen svarer ikke lige nu; intet er gået tabt.', 'Vent et øjeblik og prøv igen.'],
  broker_unavailable: ['Forbindelsen til de andre kommuner er nede lige nu.', 'Vent et øjeblik og prøv igen.'],
  request_too_large: ['Det sendte er for stort.', 'Forkort teksterne og prøv igen.'],
  not_found: ['Det findes ikke (længere).', 'Gå tilbage til oversigten og vælg igen.'],
  query_invalid: ['En søgeværdi er ugyldig.', 'Ret søgningen og prøv igen.'],
  envelope_invalid: ['Beskeden har en ugyldig kuvert.', 'Kontakt administratoren; afsenderens system skal rettes.'],
  schema_invalid: ['Et eller flere felter er ikke udfyldt korrekt.', 'Ret de felter, der står nedenfor, og send igen.'],
  unknown_type: ['Beskedtypen findes ikke i nogen samarbejdsmodel.', 'Kontakt administratoren.'],
  contract_forbids: ['Samarbejdsmodellen tillader ikke denne besked her.', 'Tjek modtager og herberg; svar altid på den besked, du har fået.'],
  no_agreement: ['Der er ingen gyldig samarbejdsaftale med den kommune.', 'Vælg en kommune, I har aftale med, eller kontakt administratoren.'],
  state_forbids: ['Sagen er ikke i en tilstand, hvor dette er muligt.', 'Se tidslinjen for, hvad der allerede er sket.'],
  consent_missing: ['Borgerens samtykke mangler.', 'Registrér borgerens samtykke, før du sender.'],
  consent_withdrawn: ['Borgeren har trukket samtykket tilbage.', 'Del intet mere; tal med borgeren om et nyt samtykke.'],
  consent_expired: ['Samtykket er udløbet.', 'Registrér et nyt samtykke, hvis borgeren giver det.'],
  consent_scope: ['Samtykket dækker ikke denne borger, dette formål, denne modtager eller disse oplysninger.', 'Registrér et samtykke, der dækker netop dette, eller send færre oplysninger.'],
  citizen_header_missing: ['CPR-nummeret blev ikke sendt korrekt.', 'Skriv CPR-nummeret i søgefeltet og prøv igen.'],
  message_too_large: ['Beskeden er for stor.', 'Forkort teksterne.'],
  jws_malformed: ['Beskeden var ikke korrekt signeret.', 'Kontakt afsenderens administrator.'],
  alg_not_allowed: ['Beskeden var signeret med en ikke-tilladt algoritme.', 'Kontakt afsenderens administrator.'],
  key_unknown: ['Beskeden var signeret med en ukendt nøgle.', 'Importér partnerens nøgle, sammenlign fingeraftrykket i telefonen, godkend den, og genafspil beskeden.'],
  key_wrong_municipality: ['Nøglen tilhører en anden kommune end afsenderen.', 'Kontakt afsenderens administrator; beskeden kan være forfalsket.'],
  key_not_active: ['Nøglen, beskeden var signeret med, er ikke godkendt (aktiv).', 'Sammenlign fingeraftrykket med partneren i telefonen, godkend nøglen, og genafspil beskeden.'],
  key_invalid: ['Nøglen kan ikke bruges.', 'Bed partneren om en offentlig ES256-nøgle med kommunekoden i kid.'],
  key_state_forbids: ['Nøglen er ikke i en tilstand, der tillader dette.', 'Se nøglens tilstand i listen.'],
  key_announcement_invalid: ['Nøgleskiftet var ikke signeret med den gamle nøgle.', 'Kontakt partnerens administrator i telefonen.'],
  transport_sender_mismatch: ['Beskeden kom fra en anden brokerbruger end afsenderkommunens.', 'Kontakt administratoren; beskeden kan være forfalsket.'],
  too_many_failures: ['For mange mislykkede login-forsøg.', 'Vent et minut og prøv igen.'],
  invoice_empty: ['Ingen ophold for den betalende kommune i perioden.', 'Vælg en anden periode eller kommune.'],
  no_daily_rate: ['Aftalen har ingen døgntakst for herberget på en af dagene.', 'Kontakt administratoren om aftalen.'],
  invoice_state_forbids: ['Fakturaen er ikke i en tilstand, der tillader dette.', 'Se fakturaens status; den er måske allerede besvaret.'],
  signature_invalid: ['Signaturen passer ikke.', 'Kontakt afsenderens administrator.'],
  decryption_failed: ['Beskeden kunne ikke dekrypteres med vores nøgler.', 'Bed afsenderens administrator hente vores nøgler (JWKS) igen og sende beskeden igen.'],
  encryption_required: ['Beskeden kom ukrypteret, men skal være krypteret til modtageren.', 'Kontakt afsenderens administrator.'],
  recipient_key_missing: ['Modtageren har ingen godkendt krypteringsnøgle hos os, så beskeden kunne ikke sendes.', 'Importér og godkend modtagerens krypteringsnøgle (use: enc), og send beskeden igen.'],
  wrong_recipient: ['Beskeden var ikke til denne kommune.', 'Kontakt afsenderens administrator.'],
  message_expired: ['Beskeden var udløbet, da den kom frem.', 'Bed afsenderen sende den igen.'],
  unsolicited_signal: ['En kvittering henviste til en besked, vi ikke kender.', 'Ingen handling; hold øje med gentagelser.'],
  retries_exhausted: ['Beskeden kunne ikke behandles efter gentagne forsøg.', 'Tjek nodens sundhed (database), og genafspil beskeden.'],
  internal_error: ['Der skete en uventet fejl.', 'Prøv igen; kontakt administratoren, hvis det gentager sig.'],
  // Console login (console/oidc.ts)
  oidc_unavailable: ['Log ind med arbejdskonto er ikke muligt lige nu.', 'Prøv igen om lidt, eller log ind med en nøgle.'],
  oidc_state: ['Login blev ikke afsluttet i samme browser, eller det tog for lang tid.', 'Start login forfra.'],
  oidc_failed: ['Identitetsudbyderen godkendte ikke login.', 'Start login forfra.'],
  oidc_no_role: ['Din arbejdskonto har ingen rolle i Kommunebro.', 'Bed din IT-afdeling om at give dig den rette gruppe.'],
};

/** Why an invoice line was disputed, in words (domain/invoicing.ts disputeReasons). */
export const disputeTexts = {
  unknown_stay: 'Vi kender ikke opholdet fra herbergets meddelelser.',
  days_outside_stay: 'Linjen opkræver dage uden for opholdet.',
  rate_mismatch: 'Døgntaksten er ikke aftalens.',
  duplicate_line: 'Linjen står to gange på fakturaen.',
  not_our_citizen: 'Borgeren er ikke vores: en anden kommune er handlekommune.',
  overlaps_earlier_invoice: 'Dagene er allerede opkrævet på en tidligere faktura.',
};

export function explain(code) {
  const [text, next] = refusalTexts[code] ?? ['Ukendt fejl.', 'Kontakt administratoren.'];
  return { text, next };
}
