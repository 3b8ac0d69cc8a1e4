// What the scan's walk of one line finds (scan/lineWalk.ts): its images, counted into the thread's
// image table as they are met, and what noteDamage needs (broken references, base64 hidden in text).
import { RolloutLine } from '../rollout/reader';
import { BigStr } from '../rollout/jsonSkeleton';
import { imageFacts, imageTokens } from '../rollout/images';
import { HeldBytes, embeddedBase64Bytes } from '../rollout/embeddedBase64';
import { LineDamage } from './damage';
import { LineWalkVisitor } from './lineWalk';
import type { ThreadMetrics } from './metrics';

/** What the walk of one line finds: images (counted into the metrics' image table) and damage. */
export class LineFinds implements LineWalkVisitor, LineDamage {
  count = 0;
  sum = 0;
  tokens = 0;
  brokenRefs = 0;
  embeddedStrings = 0;
  embeddedBytes = 0;
  private isUi = false;
  private line: RolloutLine | undefined;
  private held: HeldBytes | undefined;

  /** One per collector, reused for every line. */
  constructor(
    private readonly m: ThreadMetrics,
    private readonly fd: number | undefined,
  ) {}

  start(isUi: boolean, l: RolloutLine): void {
    this.count = this.sum = this.tokens = 0;
    this.brokenRefs = this.embeddedStrings = this.embeddedBytes = 0;
    this.isUi = isUi;
    this.line = l;
    this.held = undefined;
  }

  image(v: BigStr | string, type: string | undefined): void {
    const m = this.m;
    // bare base64 (type given); small ones are plain strings (their size is what counts here)
    const s = v instanceof BigStr ? v : new BigStr(0, v.length, v.slice(0, 96), undefined);
    if (type) m.images.generated++;
    const f = imageFacts(s, type);
    this.count++;
    this.sum += s.byteLength;
    if (!this.isUi) this.tokens += imageTokens(f);
    const fp = s.hash ?? `${s.byteLength}:${s.prefix}`;
    const entry = m.images.byHash[fp];
    if (entry) entry[0]++;
    else m.images.byHash[fp] = [1, s.byteLength, f.mediaType];
  }

  text(v: string | BigStr): void {
    const l = this.line;
    // the piece the line was read from: its strings are not read again
    if (v instanceof BigStr && l?.chunk && l.chunkStart !== undefined)
      this.held ??= { bytes: l.chunk, start: l.chunkStart };
    const n = embeddedBase64Bytes(v, this.fd, this.held);
    if (!n) return;
    this.embeddedStrings++;
    this.embeddedBytes += n;
  }
}
