// A Codex home that is mostly copies, as heavy users report theirs (openai/codex#35458, #40323, #34061):
// a few dozen distinct noise screenshots, each embedded in a user message, a view_image output and the
// user_message event, re-embedded by every compaction's replacement_history, and forks that start with
// their parent's whole history under a new id. Paginated threads (ordinals, history_mode), some
// archived, some .jsonl.zst; every file written long ago (as Codex leaves idle threads).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { noisePng } from './png';
import { rolloutFileName, sessionPath } from './synthetic';

export interface CopiesHomeOptions {
  /** Parent threads (each with `forksPerThread` forks). */
  threads: number;
  forksPerThread: number;
  /** Distinct screenshots in the whole home, and their size in pixels. */
  distinctImages: number;
  width: number;
  height: number;
  /** Turns per parent thread (one screenshot each), a compaction every `compactEvery` turns. */
  turns: number;
  compactEvery: number;
  /** Every n-th thread archived, every m-th compressed (0: none). */
  archiveEvery: number;
  zstEvery: number;
  /** Days since the files were last written. */
  ageDays?: number;
}

export interface CopiesThread {
  id: string;
  path: string;
  archived: boolean;
  compressed: boolean;
  forkOf?: string;
}

class Lines {
  readonly out: string[] = [];
  constructor(private t: number) {}
  push(type: string, payload: unknown, extra: Record<string, unknown> = {}): void {
    const ordinal = this.out.length;
    this.t += 1000;
    this.out.push(JSON.stringify({ timestamp: new Date(this.t).toISOString(), ordinal, type, ...extra, payload }));
  }
}

function metaPayload(id: string, when: Date): Record<string, unknown> {
  return {
    id,
    timestamp: when.toISOString(),
    cwd: '/home/dev/shop',
    originator: 'codex_exec',
    cli_version: '0.171.0',
    source: 'exec',
    model_provider: 'openai',
    history_mode: 'paginated',
  };
}

/** One thread's turns after `prefix` (a fork's copy of its parent's lines), as paginated lines. */
function turnLines(
  id: string,
  when: Date,
  images: string[],
  first: number,
  o: CopiesHomeOptions,
  prefix: string[] = [],
  history: unknown[] = [],
): { lines: string[]; history: unknown[] } {
  const l = new Lines(when.getTime());
  if (prefix.length) {
    // A fork: the parent's lines under the new id, ordinals kept contiguous.
    l.push('session_meta', metaPayload(id, when));
    for (const line of prefix.slice(1)) {
      const obj = JSON.parse(line);
      obj.ordinal = l.out.length;
      l.out.push(JSON.stringify(obj));
    }
  } else l.push('session_meta', metaPayload(id, when));
  const meta = { turn_id: randomUUID() };
  for (let k = 0; k < o.turns; k++) {
    const i = first + k;
    const url = images[i % images.length];
    const user = {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: `<image name=[Image #1] path="shot-${i}.png">` },
        { type: 'input_image', image_url: url, detail: 'high' },
        { type: 'input_text', text: '</image>' },
        { type: 'input_text', text: `turn ${i}: the checkout button is misaligned again, look` },
      ],
    };
    l.push('response_item', user, { metadata: meta });
    l.push('event_msg', { type: 'user_message', message: `turn ${i}: look`, images: [url] });
    l.push(
      'response_item',
      { type: 'function_call', name: 'view_image', arguments: `{"path":"shot-${i}.png"}`, call_id: `call_v${i}` },
      { metadata: meta },
    );
    l.push(
      'response_item',
      { type: 'function_call_output', call_id: `call_v${i}`, output: [{ type: 'input_image', image_url: url }] },
      { metadata: meta },
    );
    l.push(
      'response_item',
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: `Fixed the layout in turn ${i}.` }],
      },
      { metadata: meta },
    );
    l.push('event_msg', { type: 'task_complete', last_agent_message: `Fixed the layout in turn ${i}.` });
    history.push(user);
    if ((k + 1) % o.compactEvery === 0) {
      const replacement = [...history, { type: 'compaction', encrypted_content: 'gAAAA' + 'x'.repeat(600) }];
      l.push('compacted', {
        message: '',
        replacement_history: replacement,
        replacement_history_metadata: replacement.map((_, j) => ({ ordinal: j })),
      });
    }
  }
  return { lines: l.out, history };
}

function writeThread(file: string, lines: string[], compress: boolean, mtime: Date): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = Buffer.from(lines.join('\n') + '\n');
  const final = compress ? file + '.zst' : file;
  fs.writeFileSync(final, compress ? zlib.zstdCompressSync(body) : body);
  fs.utimesSync(final, mtime, mtime);
  return final;
}

/** Write the home's threads under `home`; returns every thread written. */
export function writeCopiesHome(home: string, o: CopiesHomeOptions): CopiesThread[] {
  const images = Array.from(
    { length: o.distinctImages },
    (_, k) => 'data:image/png;base64,' + noisePng(o.width, o.height, k + 1).toString('base64'),
  );
  const mtime = new Date(Date.now() - (o.ageDays ?? 30) * 86_400_000);
  const out: CopiesThread[] = [];
  let n = 0;
  const place = (id: string, when: Date, lines: string[], forkOf?: string): void => {
    n++;
    const archived = o.archiveEvery > 0 && n % o.archiveEvery === 0;
    const compressed = o.zstEvery > 0 && n % o.zstEvery === 0;
    const file = archived
      ? path.join(home, 'archived_sessions', rolloutFileName(id, when))
      : sessionPath(home, id, when);
    out.push({ id, path: writeThread(file, lines, compressed, mtime), archived, compressed, forkOf });
  };
  for (let p = 0; p < o.threads; p++) {
    const when = new Date(mtime.getTime() - (o.threads - p) * 3_600_000);
    const id = randomUUID();
    const first = p * 3; // neighbouring threads share screenshots, as one project's threads do
    const parent = turnLines(id, when, images, first, o);
    place(id, when, parent.lines);
    for (let f = 0; f < o.forksPerThread; f++) {
      const forkId = randomUUID();
      const forkWhen = new Date(when.getTime() + (f + 1) * 60_000);
      const fork = turnLines(forkId, forkWhen, images, first + o.turns, { ...o, turns: 2 }, parent.lines, [
        ...parent.history,
      ]);
      place(forkId, forkWhen, fork.lines, id);
    }
  }
  return out;
}
