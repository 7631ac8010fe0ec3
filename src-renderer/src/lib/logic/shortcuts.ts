/** Keyboard shortcuts: one table, used by the key handler and shown by the "?" overlay. */

export type ShortcutAction =
  | 'prev'
  | 'next'
  | 'first'
  | 'last'
  | 'play'
  | 'help'
  | 'escape'
  | 'overlay'
  | 'changes'
  | 'reset3d'
  | 'umap'
  | 'pca'
  | 'open'
  | 'tab-training'
  | 'tab-health'
  | 'tab-predictions'
  | 'prev-level'
  | 'next-level';

export interface Shortcut {
  keys: string[];
  action: ShortcutAction;
  description: string;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['ArrowLeft'], action: 'prev', description: 'previous frame' },
  { keys: ['ArrowRight'], action: 'next', description: 'next frame' },
  { keys: ['Home'], action: 'first', description: 'first frame' },
  { keys: ['End'], action: 'last', description: 'last frame' },
  { keys: [' '], action: 'play', description: 'play / pause' },
  { keys: ['t'], action: 'overlay', description: 'token grid over the BEV input' },
  { keys: ['c'], action: 'changes', description: 'show cells whose token changed' },
  { keys: ['['], action: 'prev-level', description: 'previous residual level' },
  { keys: [']'], action: 'next-level', description: 'next residual level' },
  { keys: ['r'], action: 'reset3d', description: 'reset the 3D view' },
  { keys: ['p'], action: 'pca', description: 'PCA projection' },
  { keys: ['u'], action: 'umap', description: 'UMAP projection (computed in a worker)' },
  { keys: ['o'], action: 'open', description: 'focus the open-path field' },
  { keys: ['1'], action: 'tab-training', description: 'training tab' },
  { keys: ['2'], action: 'tab-health', description: 'codebook health tab' },
  { keys: ['3'], action: 'tab-predictions', description: 'predictions tab' },
  { keys: ['Escape'], action: 'escape', description: 'clear the selection / close this' },
  { keys: ['?'], action: 'help', description: 'show these shortcuts' },
];

export function keyLabel(key: string): string {
  const labels: Record<string, string> = { ArrowLeft: '←', ArrowRight: '→', ' ': 'Space', Escape: 'Esc' };
  return labels[key] ?? key;
}

/**
 * The action for a key event, or null. Keys typed into a form field belong to the field; keys
 * with Ctrl / Alt / Meta belong to the browser or the OS menu.
 */
export function shortcutFor(ev: { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean; targetTag?: string; targetType?: string }): ShortcutAction | null {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return null;
  const tag = (ev.targetTag ?? '').toUpperCase();
  const typing = tag === 'TEXTAREA' || tag === 'SELECT' || (tag === 'INPUT' && ev.targetType !== 'range' && ev.targetType !== 'checkbox');
  if (typing && ev.key !== 'Escape') return null;
  const hit = SHORTCUTS.find((s) => s.keys.includes(ev.key));
  return hit ? hit.action : null;
}
