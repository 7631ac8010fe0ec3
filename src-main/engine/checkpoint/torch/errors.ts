/**
 * Every problem with a PyTorch checkpoint, with the file named at the start of the message so
 * that a person reading it knows which file to fix (or stop trusting).
 */
export class TorchCheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'TorchCheckpointError';
  }
}
