/**
 * The summary of skipped tests printed at the end of a test run: each skipped test (or a whole
 * skipped group, once) and why. A skip's reason is the note given to `ctx.skip(note)` or, this
 * project's convention, the test's or its describe block's title ("… (skipped: no torch)");
 * a skip that states neither is flagged so that it gets one.
 */
export interface SkipNode {
  name: string;
  /** A test (no children) or a group of tests. */
  children?: SkipNode[];
  skipped?: boolean;
  note?: string;
}

export interface SkippedEntry {
  /** "file › describe › test". */
  where: string;
  tests: number;
  reason: string;
}

const STATES_A_REASON = /skip|needs|absent|missing|without|no |not installed|unavailable|cannot/i;

function leaves(node: SkipNode): SkipNode[] {
  return node.children ? node.children.flatMap(leaves) : [node];
}

function reasonOf(path: string[], note: string | undefined): string {
  if (note) return note;
  const titled = [...path].reverse().find((p) => STATES_A_REASON.test(p));
  return titled ? 'see its title' : 'NO REASON GIVEN: say why in the title or with ctx.skip(note)';
}

/** Skipped tests under `node`, a group reported once when every test in it was skipped. */
export function skippedEntries(node: SkipNode, path: string[] = []): SkippedEntry[] {
  const here = [...path, node.name];
  if (!node.children) return node.skipped ? [{ where: here.join(' › '), tests: 1, reason: reasonOf(here, node.note) }] : [];
  const all = leaves(node);
  if (path.length > 0 && all.length > 1 && all.every((t) => t.skipped)) {
    const notes = [...new Set(all.map((t) => t.note).filter(Boolean))];
    return [{ where: here.join(' › '), tests: all.length, reason: reasonOf(here, notes.join('; ') || undefined) }];
  }
  return node.children.flatMap((c) => skippedEntries(c, here));
}

export function formatSkipSummary(entries: SkippedEntry[]): string {
  if (entries.length === 0) return '';
  const total = entries.reduce((n, e) => n + e.tests, 0);
  const lines = entries.map((e) => `  ↓ ${e.where}${e.tests > 1 ? ` (${e.tests} tests)` : ''}${e.reason === 'see its title' ? '' : ` — ${e.reason}`}`);
  return `\nSkipped: ${total} test${total === 1 ? '' : 's'}, and why:\n${lines.join('\n')}\n`;
}
