// Naive strip baseline: readline + JSON.parse + replace image strings + JSON.stringify + write.
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { once } from 'node:events';

const [file, outFile] = process.argv.slice(2);
let lines = 0;
let replaced = 0;

function strip(v) {
  if (typeof v === 'string') {
    if (v.startsWith('data:image/')) {
      replaced++;
      return '[image removed]';
    }
    return v;
  }
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    for (const k in v) v[k] = strip(v[k]);
  }
  return v;
}

const out = fs.createWriteStream(outFile);
const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
for await (const line of rl) {
  lines++;
  const s = line ? JSON.stringify(strip(JSON.parse(line))) + '\n' : '\n';
  if (!out.write(s)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
process.stdout.write(JSON.stringify({ lines, replaced }) + '\n');
