// Fallback when /usr/bin/time is missing: preloaded into node commands (--require), writes this
// process's peak RSS (KB) to $BENCH_RSS_FILE at exit. A process killed by OOM writes nothing.
const fs = require('node:fs');
process.on('exit', () => {
  try {
    fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
  } catch {
    // nowhere to report: the measurement shows as unknown
  }
});
