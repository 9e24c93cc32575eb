// CPR: DDMMYYSSSS. The 7th digit with the year gives the century. Modulus 11 is deliberately not
// checked: numbers without it have been issued since 2007.

function century(yy: number, seventh: number): number {
  if (seventh <= 3) return 1900;
  if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 : 1900;
  return yy <= 57 ? 2000 : 1800;
}

export function isPlausibleCpr(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  const day = Number(value.slice(0, 2));
  const month = Number(value.slice(2, 4));
  const yy = Number(value.slice(4, 6));
  const year = century(yy, Number(value[6])) + yy;
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** The date of birth a plausible CPR number encodes (YYYY-MM-DD). */
export function birthDate(value: string): string {
  const yy = Number(value.slice(4, 6));
  return `${century(yy, Number(value[6])) + yy}-${value.slice(2, 4)}-${value.slice(0, 2)}`;
}

// Ten digits (optionally DDMMYY-SSSS) that read as a CPR number, wherever they stand in a text.
const cprLike = /(?<!\d)(\d{6})-?(\d{4})(?!\d)/g;

/** Replaces every plausible CPR number in a text (an echoed id, key or value) with a mask. */
export function maskCpr(text: string): string {
  return text.replace(cprLike, (match, date: string, serial: string) => (isPlausibleCpr(date + serial) ? 'xxxxxx-xxxx' : match));
}
