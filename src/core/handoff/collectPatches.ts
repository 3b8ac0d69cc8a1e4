// The handoff collector's patches: apply_patch calls (as a tool, inside a shell command, or as a big
// string read line by line), the files they touched with +/- counts, and patches that failed.
import { BigStr, JsonValue } from '../rollout/jsonSkeleton';
import { RolloutLine } from '../rollout/reader';
import { PatchFile, PatchParser, parsePatch, patchFailed } from '../rollout/toolCalls';
import { CollectContext, LIMITS } from './collectTypes';

export class PatchCollector {
  private pendingPatch = new Map<string, { files: PatchFile[]; turn: number }>();

  constructor(private readonly ctx: CollectContext) {}

  /** A tool output: if it answers a patch call, note whether the patch failed. True when it did answer one. */
  output(callId: string, text: () => string | undefined): boolean {
    const patch = this.pendingPatch.get(callId);
    if (!patch) return false;
    this.pendingPatch.delete(callId);
    const out = text();
    if (out !== undefined && patchFailed(out)) this.patchFailedAfter(patch.files);
    return true;
  }

  patchCall(
    callId: string,
    v: JsonValue | undefined,
    isFunction: boolean,
    l: RolloutLine,
    at: string | undefined,
  ): void {
    if (typeof v === 'string') {
      let text = v;
      if (isFunction) {
        try {
          const a = JSON.parse(v) as { input?: unknown; patch?: unknown };
          text = typeof a.input === 'string' ? a.input : typeof a.patch === 'string' ? a.patch : v;
        } catch {
          // not JSON: treat as the patch itself
        }
      }
      this.patchText(callId, text, l, at);
      return;
    }
    if (v instanceof BigStr) {
      if (isFunction) {
        // A JSON string inside a JSON string: count only what its head shows.
        const head = this.ctx.big.head(v, 256 * 1024) ?? '';
        const m = /"(?:input|patch)"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(head);
        let text = '';
        try {
          text = m ? (JSON.parse(`"${m[1]}"`) as string) : '';
        } catch {
          text = m ? m[1].replace(/\\n/g, '\n') : '';
        }
        this.patchText(callId, text, l, at);
        return;
      }
      const parser = new PatchParser();
      if (!this.ctx.big.lines(v, (h) => parser.line(h.replace(/\r$/, '')))) {
        this.ctx.addError(
          'patch',
          `a large patch on line ${l.index + 1} could not be read (compressed rollout)`,
          l,
          at,
        );
      }
      this.recordPatch(callId, parser.files, at);
    }
  }

  patchText(callId: string, text: string, _l: RolloutLine, at: string | undefined): void {
    this.recordPatch(callId, parsePatch(text), at);
  }

  private recordPatch(callId: string, files: PatchFile[], at: string | undefined): void {
    this.ctx.activity();
    this.ctx.d.patchCount++;
    const turn = this.ctx.turn().n;
    for (const f of files) {
      const key = f.movedTo ?? f.path;
      let e = this.ctx.d.files.get(key) ?? (f.movedTo ? this.ctx.d.files.get(f.path) : undefined);
      if (!e) {
        if (this.ctx.d.files.size >= LIMITS.files) {
          this.ctx.d.filesDropped++;
          continue;
        }
        e = {
          path: key,
          kinds: new Set(),
          added: 0,
          removed: 0,
          patches: 0,
          failed: 0,
          firstTurn: turn,
          lastTurn: turn,
        };
      }
      if (f.movedTo && this.ctx.d.files.has(f.path)) this.ctx.d.files.delete(f.path);
      this.ctx.d.files.set(key, e);
      e.kinds.add(f.kind);
      if (f.movedTo) e.movedTo = `${f.path} → ${f.movedTo}`;
      e.added += f.added;
      e.removed += f.removed;
      e.patches++;
      e.lastTurn = turn;
      e.lastAt = at;
    }
    if (this.pendingPatch.size > LIMITS.pending) this.pendingPatch.clear();
    this.pendingPatch.set(callId, { files, turn });
  }

  private patchFailedAfter(files: PatchFile[]): void {
    this.ctx.d.patchFailures++;
    for (const f of files) {
      const e = this.ctx.d.files.get(f.movedTo ?? f.path);
      if (!e) continue;
      e.failed++;
      e.added -= f.added;
      e.removed -= f.removed;
    }
  }
}
