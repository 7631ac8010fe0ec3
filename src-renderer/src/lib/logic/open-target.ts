/**
 * What a path typed in the open box or dropped on the window opens: a checkpoint (TokenScope's
 * `.ckpt`, PyTorch's `.pth` / `.pt` / `.ckpt`; the service tells the two `.ckpt` kinds apart by
 * their bytes) or data (everything else, folders included).
 */
const CHECKPOINT_EXTENSIONS = ['.ckpt', '.pth', '.pt'];

export function isCheckpointPath(p: string): boolean {
  const name = p.trim().replace(/[/\\]+$/, '').toLowerCase();
  return CHECKPOINT_EXTENSIONS.some((ext) => name.endsWith(ext));
}
