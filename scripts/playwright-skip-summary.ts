import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { errorHead, recordFailures } from './failure-list';
import { formatSkipSummary } from './skip-summary';
import type { SkippedEntry } from './skip-summary';

/**
 * Beside Playwright's list reporter (playwright.config.ts), which marks a skipped test but not
 * why: at the end, each skipped test with the reason given to `test.skip(condition, reason)`.
 * It also records the tests that failed, or passed only on a retry, for `npm test`'s summary
 * (failure-list.ts).
 */
export default class PlaywrightSkipSummary implements Reporter {
  private readonly skipped: SkippedEntry[] = [];
  /** The last result of each test (a retried test ends more than once). */
  private readonly ended = new Map<TestCase, TestResult>();

  onTestEnd(test: TestCase, result: TestResult): void {
    this.ended.set(test, result);
    if (result.status !== 'skipped') return;
    const notes = [...test.annotations, ...(result.annotations ?? [])].filter((a) => a.type === 'skip' || a.type === 'fixme');
    // Playwright reports a skip's annotation on the test and on its result: say it once.
    const reason = [...new Set(notes.map((a) => a.description).filter(Boolean))].join('; ');
    this.skipped.push({
      where: test.titlePath().filter(Boolean).join(' › '),
      tests: 1,
      reason: reason || 'NO REASON GIVEN: pass one to test.skip(condition, reason)',
    });
  }

  onEnd(_result: FullResult): void {
    recordFailures(
      [...this.ended]
        .filter(([test]) => test.outcome() === 'unexpected' || test.outcome() === 'flaky')
        .map(([test, result]) => ({
          where: test.titlePath().filter(Boolean).join(' › '),
          // A flaky test's last result passed: its error is the earlier attempt's.
          error: errorHead((test.outcome() === 'flaky' ? test.results.find((r) => r.error)?.error?.message : result.error?.message) ?? result.status),
          ...(test.outcome() === 'flaky' ? { flaky: true } : {}),
        })),
    );
    const text = formatSkipSummary(this.skipped);
    if (text) process.stdout.write(text);
  }
}
