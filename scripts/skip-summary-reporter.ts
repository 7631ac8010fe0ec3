import * as path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';
import { errorHead, recordFailures } from './failure-list';
import type { FailedTest } from './failure-list';
import { formatSkipSummary, skippedEntries } from './skip-summary';
import type { SkipNode } from './skip-summary';

/**
 * A vitest reporter beside 'default' (vitest.config.ts): after the run it lists every skipped
 * test and why (see skip-summary.ts), so a skip is never silent in the default output. Tests left
 * out by `-t` or `.only` are not skips of this kind and are only counted. It also records every
 * failed test, failed file, unhandled error and flaky test (passed on a retry) for `npm test`'s
 * summary (failure-list.ts).
 */
function nodeOf(item: TestCase | TestSuite): SkipNode {
  if (item.type === 'test') {
    const r = item.result();
    return { name: item.name, skipped: r.state === 'skipped', note: r.state === 'skipped' ? (r.note ?? undefined) : undefined };
  }
  return { name: item.name, children: item.children.array().map(nodeOf) };
}

export default class SkipSummaryReporter implements Reporter {
  private filtered = false;
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.filtered = !!vitest.config.testNamePattern;
    this.root = vitest.config.root;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError> = []): void {
    recordFailures(failuresOf(modules, unhandled, this.root));
    if (this.filtered) return; // a -t run skips whatever it did not ask for
    const entries = modules.flatMap((m) =>
      skippedEntries({ name: path.relative(this.root, m.moduleId), children: m.children.array().map(nodeOf) }),
    );
    const text = formatSkipSummary(entries);
    if (text) process.stdout.write(text);
  }
}

function errorText(e: { message?: string; name?: string } | undefined): string {
  return errorHead(e ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? ''}` : '');
}

/** Failed tests, files that failed outside any test (an import, a hook), and unhandled errors. */
export function failuresOf(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>, root: string): FailedTest[] {
  const out: FailedTest[] = [];
  for (const m of modules) {
    const file = path.relative(root, m.moduleId);
    for (const e of m.errors()) out.push({ where: file, error: errorText(e) });
    for (const t of m.children.allTests()) {
      const r = t.result();
      const where = [file, ...titlePath(t)].join(' › ');
      if (r.state === 'failed') out.push({ where, error: errorText(r.errors[0]) });
      else if (r.state === 'passed' && t.diagnostic()?.flaky) out.push({ where, error: errorText(r.errors?.[0]), flaky: true });
    }
  }
  for (const e of unhandled) out.push({ where: 'unhandled error (the run fails on it even when every test passed)', error: errorText(e) });
  return out;
}

function titlePath(t: TestCase): string[] {
  const names: string[] = [];
  for (let p: TestCase | TestSuite | TestModule = t; p.type !== 'module'; p = p.parent) names.unshift(p.name);
  return names;
}
