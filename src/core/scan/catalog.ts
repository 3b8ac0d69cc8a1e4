// Every local Codex thread with its facts and risk, scanned incrementally: unchanged files cost
// nothing, a file that only grew is read from where the last scan stopped.
import * as fs from 'node:fs';
import { errorCode } from '../util/errors';
import { writeFileAtomic } from '../util/atomicWrite';
import { createHash } from 'node:crypto';
import { RolloutFile, listRollouts } from '../codexHome/rolloutFiles';
import { MetricsCollector, ThreadMetrics } from './metrics';
import { describeFsError, readRollout, ReadOptions } from '../rollout/reader';
import { DEFAULT_THRESHOLDS, Risk, RiskThresholds, assessRisk, compareRisk } from './risk';
import { NameSources, readNameSources, threadName } from '../codexHome/threadNames';
import { RepairRecord, latestRepairs } from '../repair/backups';
import { Generation } from '../rollout/format';

export interface ThreadSummary {
  id: string;
  path: string;
  name: string;
  archived: boolean;
  compressed: boolean;
  generation: Generation;
  sizeBytes: number;
  mtimeMs: number;
  createdAt?: string;
  updatedAt?: string;
  cwd?: string;
  gitBranch?: string;
  originator?: string;
  source?: string;
  model?: string;
  cliVersion?: string;
  firstUserMessage?: string;
  risk: Risk;
  metrics: ThreadMetrics;
}

/** What the incremental index remembers about one file. */
export interface IndexEntry {
  size: number;
  mtimeMs: number;
  resumeOffset: number;
  resumeLine: number;
  /** sha1 of up to 4 KiB just before resumeOffset: proves the file only grew. */
  anchor: string;
  /** Metrics of the lines before resumeOffset. */
  resumeMetrics: ThreadMetrics;
  /** Metrics of the whole file as last seen (may include an incomplete last line). */
  metrics: ThreadMetrics;
}

export interface ScanIndex {
  version: number;
  entries: Record<string, IndexEntry>;
}

const INDEX_VERSION = 7;

export function emptyIndex(): ScanIndex {
  return { version: INDEX_VERSION, entries: {} };
}

export interface ScanOptions {
  thresholds?: RiskThresholds;
  index?: ScanIndex;
  env?: NodeJS.ProcessEnv;
  onProgress?: (done: number, total: number, file?: string) => void;
  isCancelled?: () => boolean;
  /** Exact full-content hashing of images instead of the fingerprint. */
  fullImageHash?: boolean;
}

export interface ScanResult {
  codexHome: string;
  threads: ThreadSummary[];
  /** Problems reading a whole file (permissions, vanished), one per file. */
  errors: { path: string; message: string }[];
  notes: string[];
  stats: { files: number; reused: number; resumed: number; fullScans: number; bytesRead: number };
}

const ANCHOR_BYTES = 4096;

/** `held`: the bytes before `offset`, when the read still had them. */
function anchorOf(fd: number, offset: number, held?: Buffer): string {
  const len = Math.min(ANCHOR_BYTES, offset);
  let buf = held?.length === len ? held : undefined;
  if (!buf) {
    buf = Buffer.alloc(len);
    if (len > 0) fs.readSync(fd, buf, 0, len, offset - len);
  }
  return createHash('sha1').update(buf).digest('hex');
}

/** anchorOf the open file; undefined when it cannot be read. */
export function fileAnchor(fd: number, offset: number, held?: Buffer): string | undefined {
  try {
    return anchorOf(fd, offset, held);
  } catch {
    return undefined;
  }
}

/**
 * Values the risk model only weighs (by their line's bytes), never reads: tool outputs, call
 * arguments and patches, encrypted reasoning, the instructions in session_meta. The byte scanner
 * leaves them undecoded (a short line parsed whole decodes them: they are short there).
 */
const SIZE_ONLY_KEYS: ReadonlySet<string> = new Set([
  'output',
  'aggregated_output',
  'formatted_output',
  'stdout',
  'stderr',
  'arguments',
  'input',
  'encrypted_content',
  'base_instructions',
  'user_instructions',
  'developer_instructions',
]);

/**
 * Measure one rollout, reusing or resuming from `prev` when the file is unchanged or only grew.
 * Returns the new index entry and how it was obtained.
 */
export function measureFile(
  file: string,
  st: { size: number; mtimeMs: number },
  prev: IndexEntry | undefined,
  opts: Pick<ReadOptions, 'onProgress' | 'isCancelled' | 'parseShortLines'> & { fullImageHash?: boolean } = {},
): { entry: IndexEntry; how: 'reused' | 'resumed' | 'full'; bytesRead: number } {
  if (prev && prev.size === st.size && prev.mtimeMs === st.mtimeMs) return { entry: prev, how: 'reused', bytesRead: 0 };
  // Opened once: the resume check, the read, the embedded-image reads and the anchor share it.
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw describeFsError(err, file);
  }
  let resume: IndexEntry | undefined;
  let collector: MetricsCollector;
  let beforeLast: ThreadMetrics | undefined;
  let summary;
  let anchor: string;
  try {
    if (
      prev &&
      st.size >= prev.size &&
      !file.endsWith('.zst') &&
      prev.resumeOffset > 0 &&
      fileAnchor(fd, prev.resumeOffset) === prev.anchor
    ) {
      resume = prev;
    }
    collector = new MetricsCollector(
      resume ? structuredClone(resume.resumeMetrics) : undefined,
      file.endsWith('.zst') ? undefined : fd,
    );
    summary = readRollout(
      file,
      (l) => {
        if (l.eolBytes === 0) beforeLast = structuredClone(collector.m); // an incomplete last line is read again next time
        collector.line(l);
      },
      {
        fd,
        keepBefore: ANCHOR_BYTES,
        startOffset: resume?.resumeOffset,
        startLine: resume?.resumeLine,
        hashDataUrls: opts.fullImageHash ? 'full' : 'fingerprint',
        rangeOnlyKeys: SIZE_ONLY_KEYS,
        parseShortLines: opts.parseShortLines ?? true, // false: every line through the byte scanner
        onProgress: opts.onProgress,
        isCancelled: opts.isCancelled,
      },
    );
    anchor = summary.compressed ? '' : (fileAnchor(fd, summary.resumeOffset, summary.before) ?? '');
  } finally {
    fs.closeSync(fd);
  }
  const metrics = collector.result();
  const entry: IndexEntry = {
    size: st.size,
    mtimeMs: st.mtimeMs,
    resumeOffset: summary.compressed ? 0 : summary.resumeOffset,
    resumeLine: summary.compressed ? 0 : summary.resumeLine,
    anchor,
    // Shared when the file ends with a complete line: entries are never mutated (a resume clones).
    resumeMetrics: beforeLast ?? metrics,
    metrics,
  };
  return { entry, how: resume ? 'resumed' : 'full', bytesRead: summary.bytes - (resume?.resumeOffset ?? 0) };
}

/** What the scan knows about threads besides their rollouts: their names and our own repairs. */
export type ThreadSources = NameSources & { repairs?: Map<string, RepairRecord> };

export function summarize(
  f: RolloutFile,
  metrics: ThreadMetrics,
  names: ThreadSources,
  thresholds: RiskThresholds = DEFAULT_THRESHOLDS,
): ThreadSummary {
  const meta = metrics.meta ?? {};
  const repair = names.repairs?.get(f.id);
  // Still the size the repair left: Codex has not written a turn since (an append only grows it).
  const repaired = repair && repair.size === f.size ? repair : undefined;
  const row = names.state.get(f.id);
  return {
    id: f.id,
    path: f.path,
    name: threadName(f.id, names, metrics.firstUserMessage),
    archived: f.archived,
    compressed: f.compressed,
    generation: metrics.generation,
    sizeBytes: f.size,
    mtimeMs: f.mtimeMs,
    createdAt: meta.timestamp ?? metrics.firstTimestamp,
    updatedAt: metrics.lastTimestamp ?? new Date(f.mtimeMs).toISOString(),
    cwd: meta.cwd ?? row?.cwd,
    gitBranch: meta.gitBranch ?? row?.gitBranch,
    originator: meta.originator,
    source: meta.source,
    model: metrics.model ?? row?.model,
    cliVersion: meta.cliVersion,
    firstUserMessage: metrics.firstUserMessage,
    risk: assessRisk(metrics, f.size, thresholds, f.mtimeMs, repaired),
    metrics,
  };
}

/** Most urgent first; within a level, most recently written first. */
export function sortByUrgency(threads: ThreadSummary[]): ThreadSummary[] {
  return threads.sort((a, b) => compareRisk(a.risk.level, b.risk.level) || b.mtimeMs - a.mtimeMs);
}

/** The scan's starting point: the files, their names, an empty result. */
export function beginScan(
  codexHome: string,
  opts: ScanOptions,
): { files: RolloutFile[]; names: ThreadSources; result: ScanResult } {
  const { files, result } = listForScan(codexHome);
  return { files, names: scanNames(codexHome, opts, result), result };
}

/** beginScan without the names (the parallel scan reads them while its workers start); `onFile`: listRollouts'. */
export function listForScan(
  codexHome: string,
  onFile?: (f: RolloutFile) => void,
): { files: RolloutFile[]; result: ScanResult } {
  const files = listRollouts(codexHome, onFile);
  const result: ScanResult = {
    codexHome,
    threads: [],
    errors: [],
    notes: [],
    stats: { files: files.length, reused: 0, resumed: 0, fullScans: 0, bytesRead: 0 },
  };
  return { files, result };
}

/** The threads' names (session_index.jsonl, state_5.sqlite); a note in the result when the database is unreadable. */
export function scanNames(codexHome: string, opts: ScanOptions, result: ScanResult): ThreadSources {
  const sources = threadSources(codexHome, opts.env);
  if (sources.stateNote) result.notes.push(sources.stateNote);
  return sources;
}

/** The threads' names and our repairs of them, for summarize. */
export function threadSources(codexHome: string, env?: NodeJS.ProcessEnv): ThreadSources {
  return { ...readNameSources(codexHome, env), repairs: latestRepairs(codexHome) };
}

/** Record one file's measurement (or why it failed) in the result and the index; returns its summary. */
export function recordMeasurement(
  result: ScanResult,
  index: ScanIndex,
  f: RolloutFile,
  names: ThreadSources,
  outcome: { entry: IndexEntry; how: 'reused' | 'resumed' | 'full'; bytesRead: number } | { error: string },
  thresholds?: RiskThresholds,
): ThreadSummary | undefined {
  if ('error' in outcome) {
    result.errors.push({ path: f.path, message: outcome.error });
    delete index.entries[f.path];
    return undefined;
  }
  index.entries[f.path] = outcome.entry;
  result.stats.bytesRead += outcome.bytesRead;
  if (outcome.how === 'reused') result.stats.reused++;
  else if (outcome.how === 'resumed') result.stats.resumed++;
  else result.stats.fullScans++;
  const t = summarize(f, outcome.entry.metrics, names, thresholds);
  result.threads.push(t);
  return t;
}

/** Drop index entries of files that are gone; most urgent first. */
export function endScan(result: ScanResult, index: ScanIndex, files: RolloutFile[]): ScanResult {
  const seen = new Set(files.map((f) => f.path));
  for (const p of Object.keys(index.entries)) if (!seen.has(p)) delete index.entries[p];
  sortByUrgency(result.threads);
  return result;
}

export function scanCatalog(codexHome: string, opts: ScanOptions = {}): ScanResult {
  const index = opts.index ?? emptyIndex();
  const { files, names, result } = beginScan(codexHome, opts);
  const total = files.reduce((s, f) => s + f.size, 0);
  let done = 0;
  for (const f of files) {
    let outcome: Parameters<typeof recordMeasurement>[4];
    try {
      const base = done;
      outcome = measureFile(f.path, f, index.entries[f.path], {
        fullImageHash: opts.fullImageHash,
        isCancelled: opts.isCancelled,
        onProgress: opts.onProgress ? (d) => opts.onProgress?.(base + d, total, f.path) : undefined,
      });
    } catch (err) {
      if (errorCode(err) === 'cancelled') throw err;
      outcome = { error: (err as Error).message };
    }
    recordMeasurement(result, index, f, names, outcome, opts.thresholds);
    done += f.size;
    opts.onProgress?.(done, total);
  }
  return endScan(result, index, files);
}

export function loadIndex(file: string): ScanIndex {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ScanIndex;
    if (parsed.version === INDEX_VERSION && parsed.entries) {
      for (const e of Object.values(parsed.entries)) e.resumeMetrics ??= e.metrics; // saved once when shared
      return parsed;
    }
  } catch {
    // missing or stale: start over
  }
  return emptyIndex();
}

/**
 * The entry with resumeMetrics left out when it is the same object as metrics (usually): written once
 * (see decodeEntry). Without a replacer function, so JSON.stringify keeps to its fast path.
 */
function sharedOnce(e: IndexEntry): IndexEntry | Omit<IndexEntry, 'resumeMetrics'> {
  return e.resumeMetrics === e.metrics ? { ...e, resumeMetrics: undefined } : e;
}

/**
 * An index entry as one string, to cross between threads: a flat string is copied in one go, while
 * the structured clone of a deep metrics object cost the scan workers more than reading the file.
 */
export function encodeEntry(e: IndexEntry): string {
  return JSON.stringify(sharedOnce(e));
}

export function decodeEntry(json: string): IndexEntry {
  const e = JSON.parse(json) as IndexEntry;
  e.resumeMetrics ??= e.metrics;
  return e;
}

export function saveIndex(file: string, index: ScanIndex): void {
  try {
    const entries: Record<string, unknown> = {};
    for (const [p, e] of Object.entries(index.entries)) entries[p] = sharedOnce(e);
    writeFileAtomic(file, JSON.stringify({ ...index, entries }));
  } catch {
    // A cache we cannot write only costs speed next time.
  }
}
