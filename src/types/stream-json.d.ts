// The core tokenizer of stream-json (an ES module reached through its "exports" map, which this
// project's "node" module resolution does not read): a synchronous function from text to tokens.
declare module 'stream-json/core/parser.js' {
  export interface JsonParserOptions {
    packValues?: boolean;
    streamValues?: boolean;
  }
  /** Feed text pieces; feed Symbol.for('object-stream.none') at the end. Throws on invalid JSON. */
  export function jsonParser(options?: JsonParserOptions): (text: string | symbol) => unknown;
}
