// What an in-place repair leaves on disk (bench, once, not in the timed rounds): the big rollout is
// copied into a home of its own, repaired in place, and the home's bytes counted — repaired file,
// restore data, image store — with a check that no copy of the original is among them; then it is
// restored and compared with the original's sha256.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { timedRun } from './measure.mjs';

export function sha256(file) {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Bytes of every file under `dir`, and the files the same size as `size` (candidates for a copy). */
function walk(dir, size) {
  let bytes = 0;
  const sameSize = [];
  if (!fs.existsSync(dir)) return { bytes, sameSize };
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    const st = fs.statSync(p);
    bytes += st.size;
    if (st.size === size) sameSize.push(p);
  }
  return { bytes, sameSize };
}

/** Repair `f` (the bench's big rollout) in place in a home under `work`; figures and a check. */
export function inPlaceFootprint({ node, cli, work, f }) {
  const home = path.join(work, 'in-place-home');
  const file = path.join(home, path.relative(f.home, f.path));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(f.path, file);
  const old = new Date(Date.now() - 3600_000);
  fs.utimesSync(file, old, old);
  const size = fs.statSync(file).size;
  const originalSha = sha256(file);
  try {
    const r = timedRun(node, [cli, 'strip', f.id, '--codex-home', home, '--yes', '--json'], {
      node: true,
      timeoutS: 600,
    });
    if (!r.ok) return { ok: false, detail: `the repair failed: ${r.reason}` };
    const report = JSON.parse(r.stdout);
    const repaired = fs.statSync(file).size;
    const backups = walk(path.join(home, 'rescue', 'backups'), size);
    const store = walk(path.join(home, 'rescue', 'images'), size);
    const copies = [...backups.sameSize, ...store.sameSize].filter((p) => sha256(p) === originalSha);
    const back = timedRun(node, [cli, 'restore', f.id, '--codex-home', home, '--yes', '--json'], {
      node: true,
      timeoutS: 600,
    });
    const restored = back.ok && sha256(file) === originalSha;
    const total = repaired + backups.bytes + store.bytes;
    return {
      ok: copies.length === 0 && restored && Boolean(report.restoreData),
      original: size,
      repaired,
      restoreData: backups.bytes,
      store: store.bytes,
      storeImages: report.restoreData?.images,
      total,
      repairS: r.wallS,
      repairRssMB: r.rssMB,
      restoreS: back.wallS,
      restoreRssMB: back.rssMB,
      detail:
        `${size} B → on disk ${total} B (${((100 * total) / size).toFixed(1)} %): repaired file ${repaired} B + restore data ${backups.bytes} B + image store ${store.bytes} B (${report.restoreData?.images} images); ` +
        `${copies.length ? `a COPY of the original is kept: ${copies.join(', ')}` : 'no copy of the original'}; ` +
        `restore ${restored ? 'byte-identical (sha256)' : 'NOT identical'}; repair ${r.wallS.toFixed(1)} s, ${r.rssMB?.toFixed(0) ?? '?'} MB; restore ${back.wallS.toFixed(1)} s, ${back.rssMB?.toFixed(0) ?? '?'} MB`,
    };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
