/**
 * The procedural scene's settings as the toolbar shows them: those of the scene that is OPEN
 * (whoever opened it: this window, another client, the CLI's `serve` flags), not the form's
 * defaults. The service names it `procedural:<seed>`; frames and size are its length and width.
 */
export function proceduralSettings(src: { kind: string; path: string; length: number; width: number } | null): { seed: number; frames: number; size: number } | null {
  if (!src || src.kind !== 'procedural') return null;
  const m = /^procedural:(-?\d+)$/.exec(src.path);
  if (!m) return null;
  return { seed: Number(m[1]), frames: src.length, size: src.width };
}
