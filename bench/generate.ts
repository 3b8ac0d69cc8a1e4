// Bench input generator (run with tsx): writes the two rollouts the bench measures.
//   tsx bench/generate.ts <dir> <imageLines> <imageBytes> <giantLineBytes>
// Prints one JSON object: { big: {path,id,bytes,home}, giant: {path,id,bytes,home} }.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { writeGiantLineRollout, writeSyntheticRollout } from '../test/support/synthetic';

const [dir, imageLinesArg, imageBytesArg, giantArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: generate.ts <dir> <imageLines> <imageBytes> <giantLineBytes>');

const rolloutIn = (home: string, id: string) =>
  path.join(home, 'sessions', '2026', '11', '20', `rollout-2026-11-20T10-00-00-${id}.jsonl`);

const bigId = randomUUID();
const bigHome = path.join(dir, 'home-big');
const big = writeSyntheticRollout(rolloutIn(bigHome, bigId), {
  imageLines: Number(imageLinesArg ?? 520),
  imageBytes: Number(imageBytesArg ?? 440_000),
  compactEvery: 0,
  threadId: bigId,
  start: new Date('2026-11-20T10:00:00Z'),
});

const giantId = randomUUID();
const giantHome = path.join(dir, 'home-giant');
const giant = writeGiantLineRollout(rolloutIn(giantHome, giantId), Number(giantArg ?? 700 * 1024 * 1024), giantId);

process.stdout.write(
  JSON.stringify({
    big: { path: big.path, id: big.id, bytes: big.bytes, home: bigHome },
    giant: { path: giant.path, id: giant.id, bytes: fs.statSync(giant.path).size, home: giantHome },
  }) + '\n',
);
