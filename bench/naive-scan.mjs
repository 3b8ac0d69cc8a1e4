// Naive scan baseline: readline + JSON.parse every line + walk it counting data:image strings.
// What a straightforward implementation does; the bench compares ours against it.
import * as fs from 'node:fs';
import * as readline from 'node:readline';

const file = process.argv[2];
let lines = 0;
let images = 0;
let imageChars = 0;

function walk(v) {
  if (typeof v === 'string') {
    if (v.startsWith('data:image/')) {
      images++;
      imageChars += v.length;
    }
  } else if (Array.isArray(v)) {
    for (const x of v) walk(x);
  } else if (v && typeof v === 'object') {
    for (const k in v) walk(v[k]);
  }
}

const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
for await (const line of rl) {
  lines++;
  if (!line) continue;
  walk(JSON.parse(line));
}
process.stdout.write(JSON.stringify({ lines, images, imageChars }) + '\n');
