/**
 * Threads for the UI test's Reclaim Space… step: two parents and their forks, idle for 40 days, full of copies
 * of a few screenshots (test/support/copiesHome.ts), written under a Codex home of their own. The UI test
 * copies them into its home only at that step, so every step before it sees the fixture home alone.
 * Run: node --import tsx test/vscode/harness/makeIdleThreads.ts <codexHome>
 */
import * as path from 'node:path';
import { writeCopiesHome } from '../../support/copiesHome';

const home = path.resolve(process.argv[2] ?? '.cache/vscode-idle/codex-home');
const threads = writeCopiesHome(home, {
  threads: 2,
  forksPerThread: 1,
  distinctImages: 4,
  width: 320,
  height: 240,
  turns: 4,
  compactEvery: 2,
  archiveEvery: 0,
  zstEvery: 0,
  // older than the 30 days the UI test picks, while the fixture threads are all from today
  ageDays: 40,
});
process.stderr.write(`idle threads: ${threads.length} in ${home}\n`);
