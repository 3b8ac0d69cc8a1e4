// Cuts base64 runs out of text (MCP result copies, data:image URLs printed in tool output). Works
// on the file's bytes: each run becomes a placeholder with no quote or backslash in it, so the
// string stays valid JSON text and a JSON document inside it stays valid JSON.
import * as fs from 'node:fs';
import { BigStr, spansOf } from '../rollout/jsonSkeleton';
import { Classified } from '../rollout/format';
import { MIN_RUN, base64Runs, forEachTextString, runKind } from '../rollout/embeddedBase64';
import { formatBytes } from '../scan/risk';
import { hashRange } from './imageArchive';
import { Edit } from './rangeWriter';
import { dataUrlStart } from '../store/imageRuns';

export interface EmbeddedStats {
  runs: number;
  bytes: number;
}

/** Edits replacing every embedded base64 run in the text strings of one line. */
export function embeddedImageEdits(srcFd: number, c: Classified, stats: EmbeddedStats): Edit[] {
  const edits: Edit[] = [];
  forEachTextString(c, (v, parent, key) => {
    let range: [number, number] | undefined;
    if (v instanceof BigStr) range = [v.start, v.end];
    else if (v.length >= MIN_RUN) {
      const span = spansOf(parent)?.children.get(key);
      if (span) range = [span[0] + 1, span[1] - 1];
    }
    if (!range || range[1] - range[0] < MIN_RUN) return;
    for (const [a, b] of base64Runs(srcFd, range[0], range[1])) {
      const start = dataUrlStart(srcFd, a, range[0]);
      edits.push({ start, end: b, bytes: Buffer.from(placeholder(srcFd, a, b)) });
      stats.runs++;
      stats.bytes += b - start;
    }
  });
  return edits;
}

function placeholder(fd: number, a: number, b: number): string {
  const head = Buffer.alloc(16);
  fs.readSync(fd, head, 0, 16, a);
  const kind = runKind(head.toString('latin1'));
  const sha = hashRange(fd, a, b).slice(0, 16);
  return `[${kind} omitted by codex-session-rescue: ${formatBytes(Math.floor(((b - a) * 3) / 4))}, sha256:${sha}; the original is in the rescue backup]`;
}
