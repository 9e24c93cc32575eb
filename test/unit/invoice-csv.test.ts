import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { composeLines, type Stay } from '../../services/gateway/src/domain/invoicing.ts';
import { invoiceCsv, kronerDa } from '../../services/gateway/src/domain/invoice-csv.ts';

const stay = (over: Partial<Stay> = {}): Stay => ({
  conversationId: 'c-1', citizen: { cpr: '0101801234', name: 'Jens Jensen' }, shelterId: 'solvang', shelterMunicipality: '161',
  handlingMunicipality: '165', admissionDate: '2026-10-20', dischargeDate: null, ...over,
});

describe('invoice CSV for Danish Excel', () => {
  const [line] = composeLines([stay()], '2026-11-01', '2026-11-30', () => 145055, 9000, true);
  const csv = invoiceCsv({ number: '161-1', periodFrom: '2026-11-01', periodTo: '2026-11-30', lines: [{ ...line!, outcome: 'accepted' }] });

  it('when exported, then it starts with a UTF-8 BOM, uses semicolons, CRLF and decimal commas', () => {
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const [header, row] = csv.slice(1).trim().split('\r\n');
    expect(header).toBe('Faktura;Periode fra;Periode til;Linje;CPR;Navn;Herberg;Ophold;Første dag;Sidste dag;Dage;Døgntakst (kr.);Egenbetaling (kr.);Beløb (kr.);Udfald;Årsag;Kommentar');
    expect(row).toContain(';30;1450,55;2700,00;40816,50;godkendt;;');
  });

  it('when a CPR number starts with 0, then it is written as text DDMMYY-SSSS', () => {
    const rows = parse(csv, { delimiter: ';', bom: true }) as string[][];
    expect(rows[1]![4]).toBe('010180-1234');
  });

  it('when a text cell starts with =, +, -, @, then it is neutralised and quotes survive', () => {
    const evil = invoiceCsv({
      number: '=HYPERLINK("http://x")', periodFrom: '2026-11-01', periodTo: '2026-11-30',
      lines: [{ ...line!, citizen: { cpr: '0101801234', name: '+SUM(A1)' }, outcome: 'disputed', reason: 'rate_mismatch', comment: '@cmd;-1' }],
    });
    const rows = parse(evil, { delimiter: ';', bom: true }) as string[][];
    expect(rows[1]![0]).toBe(`'=HYPERLINK("http://x")`);
    expect(rows[1]![5]).toBe(`'+SUM(A1)`);
    expect(rows[1]![16]).toBe(`'@cmd;-1`);
    expect(rows[1]![14]).toBe('bestridt');
  });

  it('when an amount is negative or small, then kroner keep two exact decimals', () => {
    expect(kronerDa(-5)).toBe('-0,05');
    expect(kronerDa(123456789)).toBe('1234567,89');
  });
});
