// Paginated rollouts number their records 0, 1, 2, … ("ordinal"). Codex 0.171 refuses to resume a
// thread whose final record has none ("final paginated rollout record … is missing an ordinal"),
// continues numbering from the final record's ordinal (so one that went back makes every later
// record reuse ordinals), and its projection — what the app and the IDE extension show — skips
// records whose ordinal is missing, repeated or gone back. The repair numbers the records again,
// contiguously from the first one's ordinal: tested with the real 0.171, which then resumes the
// thread and projects every turn.
import { Edit } from './rangeWriter';
import { JsonValue, isObject, spansOf } from '../rollout/jsonSkeleton';

export class OrdinalRenumber {
  private next: number | undefined;
  private paginated = false;
  /** Records given a new ordinal. */
  renumbered = 0;

  /**
   * The ordinal `value` (a parsed record) gets in the copy, and the edit that gives it, if any.
   * `paginated`: said by the first record (its session_meta's history_mode, or an ordinal of its own).
   */
  record(value: JsonValue, first: boolean, paginated: boolean): { ordinal?: number; edit?: Edit } {
    if (!isObject(value)) return {};
    const own = typeof value.ordinal === 'number' ? value.ordinal : undefined;
    if (first) this.paginated = paginated || own !== undefined;
    if (!this.paginated) return { ordinal: own };
    const ordinal = this.next ?? (own !== undefined && Number.isSafeInteger(own) && own >= 0 ? own : 0);
    this.next = ordinal + 1;
    if (own === ordinal) return { ordinal };
    const spans = spansOf(value);
    const at = spans?.children.get('ordinal');
    let edit: Edit | undefined;
    if (at) edit = { start: at[0], end: at[1], bytes: Buffer.from(String(ordinal)) };
    else if (spans) {
      // Codex writes it right after the timestamp; any place in the object reads the same.
      const ts = spans.children.get('timestamp');
      const pos = ts ? ts[1] : spans.self[0] + 1;
      const text = ts ? `,"ordinal":${ordinal}` : `"ordinal":${ordinal}${Object.keys(value).length ? ',' : ''}`;
      edit = { start: pos, end: pos, bytes: Buffer.from(text) };
    }
    if (!edit) return { ordinal: own };
    this.renumbered++;
    return { ordinal, edit };
  }
}
