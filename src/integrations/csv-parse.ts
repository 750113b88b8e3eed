// RFC 4180 CSV parsing: quoted fields with doubled quotes, CR/LF or LF line ends, a UTF-8 BOM, and
// the delimiter guessed from the header (comma, semicolon as spreadsheets in many locales write,
// or tab). Guarantees: bounded rows and columns; an unterminated quote is an error, not a silent
// merge of the rest of the file into one cell.

export const MAX_CSV_ROWS = 100_000;
export const MAX_CSV_COLUMNS = 100;

export interface ParsedCsv {
  delimiter: ',' | ';' | '\t';
  header: string[];
  /** Data rows, each with its 1-based line number in the file (for error messages). */
  rows: Array<{ line: number; cells: string[] }>;
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function guessDelimiter(firstLine: string): ParsedCsv['delimiter'] {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts] += 1;
  }
  const best = (Object.entries(counts) as Array<[ParsedCsv['delimiter'], number]>).sort((a, b) => b[1] - a[1])[0];
  return best !== undefined && best[1] > 0 ? best[0] : ',';
}

export function parseCsv(input: string, options: { delimiter?: ParsedCsv['delimiter'] } = {}): ParsedCsv {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const firstBreak = text.search(/\r?\n/);
  const delimiter = options.delimiter ?? guessDelimiter(firstBreak === -1 ? text : text.slice(0, firstBreak));
  const records: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    // A blank line is no record.
    if (!(cells.length === 1 && cells[0] === '')) {
      if (cells.length > MAX_CSV_COLUMNS) throw new CsvSyntaxError(`more than ${MAX_CSV_COLUMNS} columns`, recordLine);
      records.push({ line: recordLine, cells });
      if (records.length > MAX_CSV_ROWS + 1) throw new CsvSyntaxError(`more than ${MAX_CSV_ROWS} rows`, recordLine);
    }
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      if (ch === '\n') line += 1;
      cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      i += 1;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      i += 1;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 2;
      line += 1;
      recordLine = line;
    } else if (ch === '\n') {
      endRecord();
      i += 1;
      line += 1;
      recordLine = line;
    } else {
      cell += ch;
      i += 1;
    }
  }
  if (quoted) throw new CsvSyntaxError('a quoted field is not closed', recordLine);
  if (cell !== '' || cells.length > 0) endRecord();
  const [header, ...rows] = records;
  if (header === undefined) throw new CsvSyntaxError('the file is empty', 1);
  return { delimiter, header: header.cells.map((h) => h.trim()), rows };
}
