// What a repair run counts, in one place: the strip pass and the report produce these, and the
// details panel shows them. No imports, so the webview's protocol (no Node types) can use them too.

/** What the strip pass replaced, kept and cut. */
export interface RepairCounts {
  bytesBefore: number;
  bytesAfter: number;
  imagesReplaced: number;
  imagesKept: number;
  imagesArchived: number;
  imageBytesRemoved: number;
  toolOutputsCapped: number;
  toolOutputBytesRemoved: number;
  /** `input_image`s whose URL the API rejects (placeholder text, empty, cut off), now text notes. */
  brokenImagesFixed: number;
  /** Base64 runs cut out of text (MCP result copies, data URLs inside tool output). */
  embeddedImagesRemoved: number;
  embeddedBytesRemoved: number;
  /** Records of a paginated thread given a new ordinal (missing, repeated or out of order). */
  ordinalsRenumbered: number;
}

/** What the verifier checked in the repaired copy. */
export interface VerifyCounts {
  linesVerified: number;
  /** Lines that fail to parse in the copy and did not fail in the original. Always 0 in a finished repair. */
  jsonErrors: number;
  /** Edited lines re-parsed by a second parser: JSON.parse, or stream-json for lines too long for it. */
  independentlyParsed: { jsonParse: number; streaming: number };
}
