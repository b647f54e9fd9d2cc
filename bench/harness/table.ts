import { meetsTarget, type Result } from './results';

function formatValue(value: number, unit: Result['unit']): string {
  if (unit === 'x') return `${value.toFixed(2)}×`;
  if (unit === 'USD') return `$${value.toFixed(2)}`;
  if (unit === 'count') return String(Math.round(value));
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function formatTarget(result: Result): string {
  const { target } = result;
  if (!target) return '';
  const bound =
    target.max !== undefined
      ? `≤ ${formatValue(target.max, result.unit)}`
      : `≥ ${formatValue(target.min!, result.unit)}`;
  return `${bound} ${meetsTarget(result) ? 'met' : 'MISSED'}`;
}

/** The results as a plain-text table: name, value, target (met or missed), note. */
export function formatTable(results: readonly Result[]): string {
  const rows = results.map((r) => [r.id, formatValue(r.value, r.unit), formatTarget(r), r.note ?? '']);
  const header = ['benchmark', 'value', 'target', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The results as the Markdown table docs/PERFORMANCE.md shows (`npm run bench -- --markdown`), in
 * the file's order; test/bench/performance-doc.test.ts keeps the page equal to bench/results.json.
 */
export function formatMarkdownTable(results: readonly Result[]): string {
  const target = (r: Result) => {
    if (!r.target) return '';
    const bound = formatTarget(r).replace(/ (met|MISSED)$/, '');
    return `${bound} — ${meetsTarget(r) ? 'met' : '**missed**'}`;
  };
  // A `|` inside a cell, even in a code span, would end the cell.
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = results.map(
    (r) => `| \`${cell(r.id)}\` | ${formatValue(r.value, r.unit)} | ${target(r)} | ${cell(r.note ?? '')} |`,
  );
  return ['| benchmark | value | target | note |', '| --- | ---: | --- | --- |', ...rows].join('\n');
}

export { formatValue };
