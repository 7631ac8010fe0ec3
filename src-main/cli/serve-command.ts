import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { bannerLine } from './banner';
import { action } from './errors';
import { intOption } from './options';
import { configOption } from './torch-config-option';
import { DIST_WEB, VERSION } from './paths';
import { SERVE_ACCESS_HELP, serveRoots } from './serve-access';

/**
 * `tokenscope serve`: the browser mode. Prints `TokenScope: http://127.0.0.1:PORT/?token=…` on
 * stdout (one line; tests and scripts read it) and serves until interrupted.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the app in a browser (HTTP + WebSocket), bound to 127.0.0.1 unless --host says otherwise')
    .option('-p, --port <port>', 'port (0 = a free one)', intOption(0, 65535), 0)
    .option('--host <host>', 'address to bind; anything but 127.0.0.1/localhost exposes the app (the token still guards it)', '127.0.0.1')
    .option('--token <token>', 'access token (default: a random one)')
    .option('--data <path>', 'open this data file or folder instead of the procedural scene')
    .option('--checkpoint <path>', 'open this checkpoint')
    .option('--config <file>', "config.json of a PyTorch --checkpoint (.pth) that has none beside it")
    .option('--seed <n>', 'procedural scene seed', intOption(0))
    .option('--frames <n>', 'procedural scene length', intOption(1, 10_000))
    .option('--size <n>', 'procedural scene grid side in cells', intOption(16, 1024))
    .option('--follow <run>', 'follow a training kit\'s run folder (checkpoints/ and metrics.jsonl): the views move to each new checkpoint')
    .option('--checkpoint-dir <dir>', 'where Save Checkpoint writes (default: ./tokenscope-checkpoints)')
    .option('--static <dir>', 'the built renderer to serve (default: dist-web/ of this package)')
    .option('--root <dir>', 'a folder browser clients may read and write in (repeatable; see below)', (dir: string, prev: string[]) => [...prev, dir], [] as string[])
    .option('--allow-overwrite', 'let browser clients replace files in the roots that TokenScope did not write')
    .addHelpText('after', SERVE_ACCESS_HELP)
    .action(
      action('serve', async (opts: { port: number; host: string; token?: string; data?: string; checkpoint?: string; config?: string; follow?: string; seed?: number; frames?: number; size?: number; static?: string; checkpointDir?: string; root: string[]; allowOverwrite?: boolean }) => {
        // Loaded here, not at the top, so that `--help` doesn't wait for TensorFlow.js.
        const { createWorkspace } = await import('../service/workspace');
        const { startWebServer } = await import('../web/server');
        const procedural: { seed?: number; frames?: number; size?: number } = {};
        if (opts.seed !== undefined) procedural.seed = opts.seed;
        if (opts.frames !== undefined) procedural.frames = opts.frames;
        if (opts.size !== undefined) procedural.size = opts.size;
        const workspace = await createWorkspace({
          allowNative: true,
          openDefault: !opts.data,
          procedural,
          ...(opts.checkpointDir ? { checkpointDir: path.resolve(opts.checkpointDir) } : {}),
        });
        const status = await workspace.getStatus();
        process.stderr.write(bannerLine(status.backend, VERSION) + '\n');
        if (opts.data) await workspace.openPath(opts.data);
        if (opts.checkpoint) await workspace.openCheckpoint(opts.checkpoint, configOption(opts));
        if (opts.follow) {
          const { info } = await workspace.followRun(opts.follow);
          process.stderr.write(`following ${info.dir}: ${info.checkpoints.length} checkpoint(s) so far, ${info.metricsCount} step(s) of metrics\n`);
        }
        const staticDir = path.resolve(opts.static ?? DIST_WEB);
        if (!existsSync(path.join(staticDir, 'index.html'))) {
          process.stderr.write(`tokenscope serve: warning: ${staticDir} has no index.html; run \`npm run build:web\` first (the API still works)\n`);
        }
        const { PathPolicy } = await import('../web/path-policy');
        const paths = await PathPolicy.create({ roots: serveRoots(opts), allowOverwrite: opts.allowOverwrite === true });
        process.stderr.write(`tokenscope serve: browser clients may use files inside ${paths.describe()}${paths.allowOverwrite ? ' (and overwrite any of them)' : ''}\n`);
        const server = await startWebServer({ service: workspace, port: opts.port, host: opts.host, token: opts.token, staticDir, paths });
        if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
          process.stderr.write(`tokenscope serve: exposed on ${opts.host}: anyone who can reach this port and has the token can use the app, including opening and writing files as this user\n`);
        }
        process.stdout.write(`TokenScope: ${server.url}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            void server.close().then(() => workspace.dispose()).then(resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }),
    );
}
