// Bench input (run with tsx): a home of copies modelled on the reports (test/support/copiesHome.ts) of
// about <mib> MiB — paginated threads and their forks, a few dozen distinct noise screenshots
// re-embedded by compactions and forks, some archived, some .zst.
//   tsx bench/copiesHome.ts <home> <mib>
// Prints one JSON object: { home, threads, bytes }.
import * as fs from 'node:fs';
import { writeCopiesHome } from '../test/support/copiesHome';

const [home, mibArg] = process.argv.slice(2);
if (!home) throw new Error('usage: copiesHome.ts <home> <mib>');
// One parent and its fork take about 47 MiB with 400×300 screenshots, 8 turns, a compaction every 2.
const pairs = Math.max(1, Math.round(Number(mibArg ?? 1024) / 47));
fs.mkdirSync(`${home}/sessions`, { recursive: true });
const threads = writeCopiesHome(home, {
  threads: pairs,
  forksPerThread: 1,
  distinctImages: 36,
  width: 400,
  height: 300,
  turns: 8,
  compactEvery: 2,
  archiveEvery: 5,
  zstEvery: 7,
});
const bytes = threads.reduce((s, t) => s + fs.statSync(t.path).size, 0);
process.stdout.write(JSON.stringify({ home, threads, bytes }) + '\n');
