import { api } from '../lib.js';

let cached;
/** Municipalities and shelters for the forms' choices, loaded once. */
export async function reference() {
  cached ??= await api('GET', '/session/reference');
  return cached;
}

export const municipalityOptions = async (first) => {
  const { municipalities } = await reference();
  const sorted = [...municipalities].sort((a, b) => a.name.localeCompare(b.name, 'da'));
  if (first) sorted.sort((a, b) => (a.code === first ? -1 : b.code === first ? 1 : 0));
  return sorted.map((m) => [m.code, `${m.name} (${m.code})`]);
};

/** A local date-time input value (Copenhagen) as an ISO instant. */
export const isoOf = (local) => new Date(local).toISOString();
