// dist/cli.js, what `codex-session-rescue` runs: turns V8's compile cache on, then loads the CLI itself
// (dist/cliMain.js, CLI_MAIN_BUNDLE). A script is compiled from the cache only when the cache is on
// before the script is loaded, hence this small bundle in front.
import * as path from 'node:path';
import { enableCompileCache } from '../core/util/compileCache';
import { CLI_MAIN_BUNDLE } from '../core/util/bundles';
import { reexecWithMallocTuning } from './mallocTuning';

// For search only (any argument so spelled: a wrong guess costs only speed), whose warm run is mostly
// start-up: the cache saves ~5 ms of its ~110 ms of CPU (Node 22 and 24). On a scan it saved nothing and
// added ~4 MB to the peak RSS; the commands that read big files have their memory budgeted too.
if (process.argv.slice(2).includes('search')) enableCompileCache();
// For reclaim only (so spelled, as above), before anything else: see mallocTuning.ts.
if (process.argv.slice(2).includes('reclaim')) reexecWithMallocTuning();
// A computed path, so that esbuild leaves the CLI out of this bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require(path.join(__dirname, CLI_MAIN_BUNDLE)) as typeof import('./main')).runCli();
