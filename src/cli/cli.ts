// dist/cli.js, what `codex-session-rescue` runs: turns V8's compile cache on, then loads the CLI itself
// (dist/cliMain.js, CLI_MAIN_BUNDLE). A script is compiled from the cache only when the cache is on
// before the script is loaded, hence this small bundle in front.
import * as path from 'node:path';
import { enableCompileCache } from '../core/util/compileCache';
import { CLI_MAIN_BUNDLE } from '../core/util/bundles';

// Not for scan (any argument so spelled: a wrong guess costs only speed). Loading cli's code from the
// cache saves ~15 ms of a warm search's ~110 ms of CPU, but adds ~4 MB to the peak RSS of a scan,
// whose run is mostly reading and whose memory is budgeted (docs/PERFORMANCE.md).
if (!process.argv.slice(2).includes('scan')) enableCompileCache();
// A computed path, so that esbuild leaves the CLI out of this bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require(path.join(__dirname, CLI_MAIN_BUNDLE)) as typeof import('./main')).runCli();
