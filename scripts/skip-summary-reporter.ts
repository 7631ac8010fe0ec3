import * as path from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';
import { formatSkipSummary, skippedEntries } from './skip-summary';
import type { SkipNode } from './skip-summary';

/**
 * A vitest reporter beside 'default' (vitest.config.ts): after the run it lists every skipped
 * test and why (see skip-summary.ts), so a skip is never silent in the default output. Tests left
 * out by `-t` or `.only` are not skips of this kind and are only counted.
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

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (this.filtered) return; // a -t run skips whatever it did not ask for
    const entries = modules.flatMap((m) =>
      skippedEntries({ name: path.relative(this.root, m.moduleId), children: m.children.array().map(nodeOf) }),
    );
    const text = formatSkipSummary(entries);
    if (text) process.stdout.write(text);
  }
}
