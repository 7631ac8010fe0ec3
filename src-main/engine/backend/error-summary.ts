/**
 * A backend's refusal reason ends up in the status bar, so it must be short and must not show
 * the machine's absolute paths (Node's module errors name the importing file, dlopen errors the
 * addon's full path): keep the error's first line, drop Node's "imported from <file>" tail and
 * shorten every remaining absolute path or file URL to its last component.
 */
export function summarizeError(err: unknown, maxLength = 200): string {
  const msg = err instanceof Error ? err.message : String(err);
  let line = (msg.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
  line = line.replace(/\s+imported from\s+\S+/g, '');
  line = line.replace(ABSOLUTE_PATH, (p) => lastComponent(p));
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

// file:// URLs, POSIX absolute paths (at least two components, so "a/b" or "/" alone are left
// alone) and Windows drive or UNC paths. Stops at whitespace, quotes, colons after a component
// (dlopen's "path: reason") and closing brackets.
const ABSOLUTE_PATH = /file:\/\/[^\s'"`)\]]+|(?<![\w.@-])\/(?:[^\s/'"`:)\]]+\/)+[^\s/'"`:)\]]*|(?<![\w])[A-Za-z]:\\(?:[^\s\\'"`:)\]]+\\)*[^\s\\'"`:)\]]*|\\\\[^\s'"`:)\]]+/g;

function lastComponent(p: string): string {
  const parts = p.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] || p;
}
