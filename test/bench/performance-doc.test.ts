import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../bench/harness/results';
import { formatMarkdownTable } from '../../bench/harness/table';

// docs/PERFORMANCE.md shows bench/results.json as it is: a rerun that saves new numbers must update
// the page (`npm run bench -- --markdown` prints the table), and the page cannot show numbers no run took.

const BEGIN = '<!-- bench:results -->';
const END = '<!-- /bench:results -->';

describe('docs/PERFORMANCE.md', () => {
  it('shows every result of bench/results.json, with its value and target, as the last run saved them', () => {
    const page = readFileSync(new URL('../../docs/PERFORMANCE.md', import.meta.url), 'utf8');
    const start = page.indexOf(BEGIN);
    const end = page.indexOf(END);
    expect(start, `the page marks its results table with ${BEGIN} … ${END}`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const file = JSON.parse(readFileSync(new URL('../../bench/results.json', import.meta.url), 'utf8')) as ResultsFile;
    expect(page.slice(start + BEGIN.length, end).trim()).toBe(formatMarkdownTable(file.results));
  });
});
