// CSV rendering for exports (audit log, reports), safe to open in a spreadsheet.

// SECURITY: a cell starting with one of these is a formula in Excel, LibreOffice and Sheets
// (CSV injection, OWASP). A leading apostrophe makes the spreadsheet show it as text.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell. Strings that start like a formula get a leading apostrophe; a JS number cannot be a
 * formula, so numbers (negative ones included) stay numbers the spreadsheet can add up.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: (string | number | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
