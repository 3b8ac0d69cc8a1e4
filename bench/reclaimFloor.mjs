// The floor under any reclaim that keeps the promises, run over a home (bench, once): only the
// work no reclaim can skip, nothing else — no scan, no parse, no write, no fsync. Each plain rollout is
// read and sha256-hashed once (the original's sha256 its restore data is checked against) and read once
// more and compared (the rebuild from restore data checked byte for byte before the swap); each .zst is
// read and hashed, decompressed, its content hashed, and compressed again (the check that a restore
// can write back exactly that .zst; a reclaim skips it for a .zst whose header does not state its
// content size, which no one-shot compression writes, so on such homes this overstates). The files are
// shared out by size over one worker thread per core up front (the reclaim's pool hands them out as
// workers free up). Prints the wall time in seconds.
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';

/** .zst rollouts hold about this many plain bytes per stored byte (base64 screenshots compress poorly). */
const ZST_RATIO = 2.2;

function rollouts(home) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^rollout-.*\.jsonl(\.zst)?$/.test(e.name))
        out.push({ p, work: fs.statSync(p).size * (p.endsWith('.zst') ? ZST_RATIO : 1) });
    }
  };
  walk(path.join(home, 'sessions'));
  walk(path.join(home, 'archived_sessions'));
  return out.sort((a, b) => b.work - a.work);
}

function floorOf(files) {
  const b = Buffer.allocUnsafe(1 << 20);
  for (const p of files) {
    if (p.endsWith('.zst')) {
      const z = fs.readFileSync(p);
      createHash('sha256').update(z).digest();
      const plain = zlib.zstdDecompressSync(z);
      createHash('sha256').update(plain).digest();
      createHash('sha256').update(zlib.zstdCompressSync(plain)).digest();
      continue;
    }
    const fd = fs.openSync(p, 'r');
    try {
      const h = createHash('sha256');
      for (let pos = 0, n; (n = fs.readSync(fd, b, 0, b.length, pos)) > 0; pos += n) h.update(b.subarray(0, n));
      h.digest();
      // compared with itself: memcmp runs to the end, as it does over equal bytes (a rebuild that passes)
      for (let pos = 0, n; (n = fs.readSync(fd, b, 0, b.length, pos)) > 0; pos += n) b.compare(b, 0, n, 0, n);
    } finally {
      fs.closeSync(fd);
    }
  }
}

if (isMainThread) {
  const files = rollouts(process.argv[2]);
  const n = Math.max(1, os.availableParallelism());
  const shares = Array.from({ length: n }, () => ({ files: [], work: 0 }));
  for (const f of files) {
    const least = shares.reduce((m, s) => (s.work < m.work ? s : m));
    least.files.push(f.p);
    least.work += f.work;
  }
  const t0 = performance.now();
  await Promise.all(
    shares.map(
      (s) =>
        new Promise((resolve, reject) =>
          new Worker(new URL(import.meta.url), { workerData: s.files })
            .on('error', reject)
            .on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`floor worker exited ${code}`)))),
        ),
    ),
  );
  process.stdout.write(`${((performance.now() - t0) / 1000).toFixed(3)}\n`);
} else {
  floorOf(workerData);
}
