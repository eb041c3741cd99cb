/** The pieces the Markdown report is made of: numbers with units, and tables. */

/** A figure with its unit, `–` when there is none. */
export const fmt = (value: number | null | undefined, unit = '') =>
  value === null || value === undefined ? '–' : `${value.toLocaleString('en')}${unit}`;

export function table(header: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const line = (cells: Array<string | number | null | undefined>) =>
    `| ${cells.map((c) => (c === null || c === undefined ? '–' : String(c))).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
