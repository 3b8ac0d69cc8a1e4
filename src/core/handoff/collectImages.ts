// The handoff collector's images: attached, returned by tools, generated, and placeholders left by an
// earlier repair (with where the archived copy went). Copies inside compactions are the risk model's.
import { BigStr, get, str } from '../rollout/jsonSkeleton';
import { Classified, TOOL_OUTPUT_TYPES } from '../rollout/format';
import { RolloutLine } from '../rollout/reader';
import { CollectContext, HandoffData, ImagePlace, LIMITS, Ring } from './collectTypes';

const PLACEHOLDER = /\[image omitted[^\]]*\]/i;
const ARCHIVE_PATH = /(?:saved|archived|archive|copy)\s*(?:to|at|in|as)?\s*:?\s*((?:\/|~\/|[A-Za-z]:\\)[^\s\]"'),;]+)/i;
const IMAGE_TAG_PATH = /<image[^>]*\bpath="([^"]+)"/;

export class ImageCollector {
  private firstPlaces: ImagePlace[] = [];
  private lastPlaces = new Ring<ImagePlace>(LIMITS.imagePlaces - 10);
  private archiveDirs = new Set<string>();

  constructor(
    private readonly ctx: CollectContext,
    private readonly callName: (callId: string) => string | undefined,
  ) {}

  line(c: Classified, l: RolloutLine, at: string | undefined): void {
    if (c.lineType === 'compacted') return; // copies of earlier images, counted by the risk model
    const p = c.payload;
    const isUserMsg = c.lineType === 'response_item' && c.itemType === 'message' && str(p, 'role') === 'user';
    const isToolOut = c.lineType === 'response_item' && c.itemType !== undefined && TOOL_OUTPUT_TYPES.has(c.itemType);
    if (c.lineType === 'response_item' && c.itemType === 'image_generation_call') {
      this.ctx.d.images.generated++;
      this.place({ where: 'generated image', turn: this.ctx.turn().n, line: l.index + 1, at });
      return;
    }
    // UI event copies (event_msg user_message images) repeat the response_item's pixels: not counted.
    if (!isUserMsg && !isToolOut) return;
    const content = isUserMsg ? get(p, 'content') : get(p, 'output');
    if (!Array.isArray(content)) {
      if (typeof content === 'string' && PLACEHOLDER.test(content))
        this.placeholder(content, isUserMsg ? 'user message' : 'tool output', l, at);
      return;
    }
    let pendingPath: string | undefined;
    const name = isToolOut ? (this.callName(str(p, 'call_id') ?? '') ?? 'tool') : undefined;
    for (const part of content) {
      const type = str(part, 'type');
      const text = get(part, 'text');
      if (typeof text === 'string') {
        const m = IMAGE_TAG_PATH.exec(text);
        if (m) pendingPath = m[1];
        if (PLACEHOLDER.test(text))
          this.placeholder(text, isUserMsg ? 'user message' : `output of ${name}`, l, at, pendingPath);
        continue;
      }
      if (type === 'input_image') {
        const url = get(part, 'image_url');
        if (isUserMsg) this.ctx.d.images.attached++;
        else this.ctx.d.images.toolImages++;
        this.place({
          where: isUserMsg ? 'attached to a user message' : `returned by ${name}`,
          turn: this.ctx.turn().n,
          line: l.index + 1,
          at,
          path: pendingPath,
          bytes: url instanceof BigStr ? url.byteLength : typeof url === 'string' ? url.length : undefined,
        });
        pendingPath = undefined;
      }
    }
  }

  private placeholder(text: string, where: string, l: RolloutLine, at: string | undefined, path?: string): void {
    this.ctx.d.images.placeholders++;
    const a = ARCHIVE_PATH.exec(text);
    if (a) {
      const dir = a[1].replace(/[/\\][^/\\]*$/, '');
      if (this.archiveDirs.size < 20) this.archiveDirs.add(dir);
    }
    this.place({
      where: `${where} (placeholder${a ? `, archived copy: ${a[1]}` : ''})`,
      turn: this.ctx.turn().n,
      line: l.index + 1,
      at,
      path,
      placeholder: true,
    });
  }

  private place(p: ImagePlace): void {
    if (this.firstPlaces.length < 10) this.firstPlaces.push(p);
    else this.lastPlaces.push(p);
  }

  fill(d: HandoffData): void {
    d.images.places = [...this.firstPlaces, ...this.lastPlaces.values()];
    d.images.archiveDirs = [...this.archiveDirs];
  }
}
