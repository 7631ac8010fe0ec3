import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { bannerLine } from './banner';
import { action } from './errors';
import { intOption } from './options';
import { configOption } from './torch-config-option';
import { DIST_WEB, VERSION } from './paths';

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
    .option('--checkpoint-dir <dir>', 'where Save Checkpoint writes (default: ./tokenscope-checkpoints)')
    .option('--static <dir>', 'the built renderer to serve (default: dist-web/ of this package)')
    .action(
      action('serve', async (opts: { port: number; host: string; token?: string; data?: string; checkpoint?: string; config?: string; seed?: number; frames?: number; size?: number; static?: string; checkpointDir?: string }) => {
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
        const staticDir = path.resolve(opts.static ?? DIST_WEB);
        if (!existsSync(path.join(staticDir, 'index.html'))) {
          process.stderr.write(`tokenscope serve: warning: ${staticDir} has no index.html; run \`npm run build:web\` first (the API still works)\n`);
        }
        const server = await startWebServer({ service: workspace, port: opts.port, host: opts.host, token: opts.token, staticDir });
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
