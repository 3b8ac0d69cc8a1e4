// The strip pass: streams a rollout once and writes a repaired copy in which image payloads
// become text placeholders and oversized tool outputs keep only their head and tail. Every line
// stays where it was; bytes outside the replaced values are copied verbatim.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { BigStr, JsonObject, JsonValue, Span, isObject, spansOf, str } from '../rollout/jsonSkeleton';
import { Classified, TOOL_OUTPUT_TYPES, classify, isImageString, readSessionMeta, walk } from '../rollout/format';
import { RolloutLine, readRollout } from '../rollout/reader';
import { dataUrlHeaderLength, imageFacts } from '../rollout/images';
import { formatBytes } from '../util/display';
import { SavedImage, digestImage } from './imageArchive';
import type { ImageStore } from '../store/imageStore';
import type { KnownImages } from '../store/reversePatch';
import { brokenImageRefs, brokenImageText, isBrokenImageHolder } from '../rollout/imageUrl';
import { embeddedImageEdits } from './embeddedImages';
import { Edit, RangeWriter, safeCutPoint } from './rangeWriter';
import { lineShape } from './verify';
import { OrdinalRenumber } from './ordinals';
import type { RepairCounts } from './counts';
import { IMAGE_PLACEHOLDER_PREFIX } from '../rollout/placeholders';

export interface StripOptions {
  /** Keep this many of the newest images in the live history untouched (default 0). */
  keepImages?: number;
  /** Tool outputs longer than this (raw bytes) keep their head and tail (default 256 KiB). */
  maxToolOutputBytes?: number;
  /** Save each distinct image once in the home's image store before replacing it (placeholders name its file). */
  store?: ImageStore;
  /** Give the copy a new thread id (fork): every string value equal to the old id is replaced. */
  newThreadId?: string;
  /** Where the original bytes stay, as the placeholders name it: plain words, no quote or backslash (default "the rescue backup"). */
  originalIn?: string;
}

export const DEFAULT_MAX_TOOL_OUTPUT = 256 * 1024;

export interface StripHooks {
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
}

export interface StripStats extends RepairCounts {
  lines: number;
  imagesFound: number;
  /** Lines the original already had broken (or with invalid UTF-8); copied verbatim. */
  badLinesKept: { line: number; kind: string }[];
  /** sha1 of every line's "type/itemType": the verifier compares it with the output's. */
  shapeDigest: string;
  /** 0-based indexes of the lines the pass changed. */
  editedLines: number[];
  /**
   * Where those lines are, four numbers a line: start and end in the original, start and end in the
   * copy (end-of-line bytes included) — the reverse patch goes straight to them.
   */
  editedRanges: number[];
  /** With the store: what the pass learnt of the images it replaced (for the restore data). */
  knownImages?: KnownImages;
  threadIdInMeta?: string;
}

interface ImageSite {
  str: BigStr;
  /** The `input_image` object that holds it, when there is one (it becomes an input_text item). */
  holder?: JsonObject;
  generated: boolean;
  live: boolean;
  ui: boolean;
}

/** The image occurrences of a line, in a fixed order (both passes must agree on it). */
function imageSites(c: Classified, live: boolean): ImageSite[] {
  const sites: ImageSite[] = [];
  const ui = c.lineType === 'event_msg' || c.lineType === 'world_state';
  walk(c.payload, (v, parent, key) => {
    if (isImageString(v)) {
      if (isBrokenImageHolder(parent)) return; // a cut-off data URL: fixed as a broken reference
      const holder = isObject(parent) && parent.type === 'input_image' ? parent : undefined;
      sites.push({ str: v, holder, generated: false, live: live && !ui, ui });
    } else if (key === 'result' && isObject(parent) && parent.type === 'image_generation_call') {
      // Generated images are bare base64, often small enough to be parsed as a plain string.
      const s = v instanceof BigStr ? v : typeof v === 'string' && v.length > 0 ? asBigStr(parent, key, v) : undefined;
      if (s) sites.push({ str: s, generated: true, live: live && !ui, ui });
    }
  });
  return sites;
}

/** A small string seen as a byte range of the file (needs the scanner's spans). */
function asBigStr(parent: JsonObject, key: string, v: string): BigStr | undefined {
  const span = spansOf(parent)?.children.get(key);
  return span ? new BigStr(span[0] + 1, span[1] - 1, v.slice(0, 96), undefined) : undefined;
}

/** Tracks which lines belong to the live history (newest compacted snapshot onwards). */
class LiveTracker {
  constructor(private readonly newestCompactedLine: number) {}
  isLive(c: Classified, lineIndex: number): boolean {
    if (lineIndex < this.newestCompactedLine) return false;
    return c.lineType === 'compacted' || c.lineType === 'response_item';
  }
}

interface Plan {
  newestCompactedLine: number;
  /** Occurrence numbers of the images to keep. */
  keep: Set<number>;
  /** Fingerprints of kept images (their UI copies are kept too). */
  keepHashes: Set<string>;
  imageCount: number;
}

/** First pass, only when images are kept: find the newest compaction and the newest live images. */
function planKeep(src: string, keepImages: number, hooks: StripHooks): Plan {
  let newestCompactedLine = 0;
  let first = true;
  let k = 0;
  const candidates: { k: number; hash?: string; line: number }[] = [];
  const everything = new LiveTracker(0); // which lines could be live; narrowed once the newest compaction is known
  readRollout(
    src,
    (l) => {
      if (!l.value) return;
      const c = classify(l.value, first);
      first = false;
      if (c.lineType === 'compacted') newestCompactedLine = l.index;
      for (const site of imageSites(c, everything.isLive(c, l.index))) {
        if (site.live) candidates.push({ k, hash: site.str.hash, line: l.index });
        k++;
      }
    },
    { hashDataUrls: IMAGE_IDS, spans: true, isCancelled: hooks.isCancelled },
  ); // same options as the pass: both must see the same sites and hashes
  const live = candidates.filter((o) => o.line >= newestCompactedLine);
  const kept = live.slice(Math.max(0, live.length - keepImages));
  return {
    newestCompactedLine,
    keep: new Set(kept.map((o) => o.k)),
    keepHashes: new Set(kept.map((o) => o.hash).filter((h): h is string => !!h)),
    imageCount: k,
  };
}

/**
 * Write the repaired copy of `src` to `dest` (a new file). Throws on I/O errors and
 * cancellation; the caller removes `dest` then.
 */
export function stripRollout(
  src: string,
  dest: string,
  options: StripOptions = {},
  hooks: StripHooks = {},
): StripStats {
  const cap = options.maxToolOutputBytes ?? DEFAULT_MAX_TOOL_OUTPUT;
  const keepImages = options.keepImages ?? 0;
  const originalIn = options.originalIn ?? 'the rescue backup';
  const plan: Plan =
    keepImages > 0
      ? planKeep(src, keepImages, hooks)
      : { newestCompactedLine: 0, keep: new Set(), keepHashes: new Set(), imageCount: 0 };
  const srcFd = fs.openSync(src, 'r');
  const writer = new RangeWriter(srcFd, dest);
  const shape = createHash('sha1');
  const stats: StripStats = {
    bytesBefore: fs.fstatSync(srcFd).size,
    bytesAfter: 0,
    lines: 0,
    imagesFound: 0,
    imagesReplaced: 0,
    imagesKept: 0,
    imagesArchived: 0,
    imageBytesRemoved: 0,
    toolOutputsCapped: 0,
    toolOutputBytesRemoved: 0,
    brokenImagesFixed: 0,
    embeddedImagesRemoved: 0,
    embeddedBytesRemoved: 0,
    ordinalsRenumbered: 0,
    badLinesKept: [],
    shapeDigest: '',
    editedLines: [],
    editedRanges: [],
    knownImages: options.store ? { at: new Map(), byId: new Map() } : undefined,
  };
  const tracker = new LiveTracker(plan.newestCompactedLine);
  const saved = new Map<string, SavedImage>();
  const ordinals = new OrdinalRenumber();
  let k = 0;
  let first = true;
  try {
    const read = readRollout(
      src,
      (l: RolloutLine) => {
        stats.lines = l.index + 1;
        const lineEnd = l.end + l.eolBytes;
        if (!l.value) {
          if (l.problem) stats.badLinesKept.push({ line: l.index + 1, kind: l.problem.kind });
          shape.update(lineShape(l, undefined) + '\n');
          writer.copy(l.start, lineEnd);
          return;
        }
        if (l.problem) stats.badLinesKept.push({ line: l.index + 1, kind: l.problem.kind });
        const c = classify(l.value, first);
        const isFirst = first;
        first = false;
        const edits: Edit[] = [];
        const ord = ordinals.record(l.value, isFirst, isFirst && readSessionMeta(c)?.historyMode === 'paginated');
        if (ord.edit) edits.push(ord.edit);
        shape.update(lineShape(l, c, ord.ordinal) + '\n');
        if (isFirst) stats.threadIdInMeta = str(c.payload, 'id') ?? str(c.payload, 'meta', 'id');
        if (options.newThreadId && stats.threadIdInMeta)
          edits.push(...renameThread(l.value, stats.threadIdInMeta, options.newThreadId));
        for (const site of imageSites(c, tracker.isLive(c, l.index))) {
          const occurrence = k++;
          stats.imagesFound++;
          const keep =
            plan.keep.has(occurrence) ||
            (site.ui &&
              l.index >= plan.newestCompactedLine &&
              site.str.hash !== undefined &&
              plan.keepHashes.has(site.str.hash));
          if (keep) {
            stats.imagesKept++;
            continue;
          }
          edits.push(imageEdit(srcFd, site, options.store, saved, originalIn));
          if (stats.knownImages && site.str.hash !== undefined)
            stats.knownImages.at.set(site.str.start, {
              end: site.str.end,
              prefixLen: dataUrlHeaderLength(site.str),
              id: site.str.hash,
            });
          stats.imagesReplaced++;
          stats.imageBytesRemoved += site.str.byteLength;
        }
        for (const b of brokenImageRefs(c.payload)) {
          const span = spansOf(b.holder)?.self;
          if (!span) continue;
          const text = brokenImageText(b.problem);
          edits.push({
            start: span[0],
            end: span[1],
            bytes: Buffer.from(JSON.stringify({ type: 'input_text', text })),
          });
          stats.brokenImagesFixed++;
        }
        const embedded = { runs: 0, bytes: 0 };
        edits.push(...embeddedImageEdits(srcFd, c, embedded, originalIn));
        stats.embeddedImagesRemoved += embedded.runs;
        stats.embeddedBytesRemoved += embedded.bytes;
        // Capping comes last: where a cut overlaps a run already replaced, the writer keeps the first edit.
        if (cap > 0) edits.push(...toolOutputEdits(srcFd, c, cap, stats, originalIn));
        if (!edits.length) return writer.copy(l.start, lineEnd);
        const at = writer.position;
        writer.line(l.start, lineEnd, edits);
        stats.editedLines.push(l.index);
        stats.editedRanges.push(l.start, lineEnd, at, writer.position);
      },
      {
        spans: true,
        hashDataUrls: IMAGE_IDS, // taken while the image streams by (no second read)
        onProgress: hooks.onProgress,
        isCancelled: hooks.isCancelled,
      },
    );
    writer.finish();
    // the copy starts at the first line, after the original's byte order mark: those 3 bytes are a change too
    if (read.bom) stats.editedRanges.unshift(0, 3, 0, 0);
    stats.bytesAfter = writer.bytesWritten;
    stats.imagesArchived = new Set([...saved.values()].map((v) => v.savedAs).filter(Boolean)).size;
    for (const [id, v] of saved) if (v.img) stats.knownImages?.byId.set(id, { img: v.img, form: v.form });
    stats.ordinalsRenumbered = ordinals.renumbered;
    stats.shapeDigest = shape.digest('hex');
    return stats;
  } finally {
    writer.close();
    fs.closeSync(srcFd);
  }
}

/** A fork's copy: every string value equal to the old thread id (session_meta id and
 *  session_id, thread_id in paginated events) becomes the new id. */
function renameThread(value: JsonValue, oldId: string, newId: string): Edit[] {
  const edits: Edit[] = [];
  const bytes = Buffer.from(JSON.stringify(newId));
  walk(value, (v, parent, key) => {
    if (v !== oldId || parent === undefined || key === undefined) return;
    const span = spansOf(parent)?.children.get(key);
    if (span) edits.push({ start: span[0], end: span[1], bytes });
  });
  return edits;
}

/**
 * Copies of one image are told apart by the scanner's fingerprint (sha1 of the stored length, first and
 * last 8 KiB), not by a sha256 of every stored byte (~1.5 s per GB of images on the parse thread): the
 * first copy with a fingerprint is decoded, hashed and saved, the others reuse it. Two different images
 * with one fingerprint cannot cost a byte: the restore data is kept only when the original rebuilt from
 * it is the original byte for byte, so such a thread keeps a full copy instead.
 */
const IMAGE_IDS = 'fingerprint';

function placeholderText(site: ImageSite, sha: string, savedAs: string | undefined, originalIn: string): string {
  const f = imageFacts(site.str, site.generated ? 'image/png' : undefined);
  const size = f.width && f.height ? ` ${f.width}x${f.height}` : '';
  const where = savedAs ? `saved as ${savedAs}` : `the original is in ${originalIn}`;
  return `${IMAGE_PLACEHOLDER_PREFIX}${f.mediaType}${size}, ${formatBytes(f.decodedBytes)}, ${idLabel(site.str, savedAs)}:${sha.slice(0, 16)}; ${where}]`;
}

/** The scanner fingerprinted big data URLs (no store); small ones are hashed here, exactly. */
function idLabel(s: BigStr, savedAs: string | undefined): string {
  return s.hash !== undefined && !savedAs && s.hash.length === 40 ? 'fingerprint' : 'sha256';
}

function imageEdit(
  srcFd: number,
  site: ImageSite,
  store: ImageStore | undefined,
  saved: Map<string, SavedImage>,
  originalIn: string,
): Edit {
  const { sha256, savedAs } = digestImage(srcFd, site.str, store, saved);
  const text = placeholderText(site, sha256, savedAs, originalIn);
  if (site.generated) {
    return { start: site.str.start, end: site.str.end, bytes: Buffer.alloc(0) };
  }
  if (site.holder) {
    const span = spansOf(site.holder)?.self;
    if (span) return { start: span[0], end: span[1], bytes: Buffer.from(JSON.stringify({ type: 'input_text', text })) };
  }
  // A bare data URL elsewhere (UI copies, unknown shapes): the string becomes the placeholder text.
  return { start: site.str.start - 1, end: site.str.end + 1, bytes: Buffer.from(JSON.stringify(text)) };
}

/** Strings inside tool outputs (and UI copies of command output) that are longer than `cap`. */
function toolOutputEdits(srcFd: number, c: Classified, cap: number, stats: StripStats, originalIn: string): Edit[] {
  let root: JsonValue | undefined;
  if (c.lineType === 'response_item' && TOOL_OUTPUT_TYPES.has(c.itemType ?? ''))
    root = isObject(c.payload) ? c.payload.output : undefined;
  else if (c.lineType === 'event_msg' && c.itemType === 'exec_command_end') root = c.payload;
  if (root === undefined) return [];
  const edits: Edit[] = [];
  const container = c.payload as JsonObject;
  const visit = (v: JsonValue, parent: JsonObject | JsonValue[] | undefined, key: string | number | undefined) => {
    if (isImageString(v)) return;
    let content: Span | undefined;
    if (v instanceof BigStr) content = [v.start, v.end];
    else if (typeof v === 'string' && parent !== undefined && key !== undefined) {
      const span = spansOf(parent)?.children.get(key);
      if (span) content = [span[0] + 1, span[1] - 1];
    }
    if (!content || content[1] - content[0] <= cap) return;
    const edit = capEdit(srcFd, content, cap, originalIn);
    if (!edit) return;
    edits.push(edit);
    stats.toolOutputsCapped++;
    stats.toolOutputBytesRemoved += edit.end - edit.start - edit.bytes.length;
  };
  if (root === c.payload) walk(root, visit);
  else walk(root, visit, container, 'output');
  return edits;
}

/** Replace the middle of a long string's raw content [start, end) with a marker; keep head and tail. */
function capEdit(srcFd: number, [start, end]: Span, cap: number, originalIn: string): Edit | undefined {
  const half = Math.max(1, Math.floor(cap / 2));
  const headEnd = safeCutPoint(srcFd, start + half, start);
  const tailStart = safeCutPoint(srcFd, end - half, headEnd);
  if (tailStart <= headEnd) return undefined;
  const cut = tailStart - headEnd;
  const marker = `\n\n[… ${formatBytes(cut)} of output cut by codex-session-rescue; kept the first ${formatBytes(headEnd - start)} and the last ${formatBytes(end - tailStart)}; the full output is in ${originalIn} …]\n\n`;
  return { start: headEnd, end: tailStart, bytes: Buffer.from(JSON.stringify(marker).slice(1, -1)) };
}
