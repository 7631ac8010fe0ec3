import { InvalidArgumentError, type Command } from 'commander';
import { MEMORY_BUDGET_ENV, parseMemorySize, setMemoryBudget } from '../data/memory-budget';

/**
 * Options every command takes. `--memory-budget` bounds what one input file may make TokenScope
 * allocate (readers refuse a file whose header implies more); it is set before the command runs
 * so that the worker threads the command starts inherit it.
 */
export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      '--memory-budget <size>',
      `most memory one input may make TokenScope allocate, e.g. 2GB or 25% (default: $${MEMORY_BUDGET_ENV}, else 25% of RAM)`,
      (value: string) => {
        try {
          return parseMemorySize(value);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      },
    )
    .hook('preAction', (cmd) => {
      const bytes = cmd.opts<{ memoryBudget?: number }>().memoryBudget;
      if (bytes !== undefined) setMemoryBudget(bytes);
    });
}
