// A conversation entry as readers get it (read_thread's text, the conversation view): plain data with
// no Node import, so the conversation webview compiles against it too.

/** What an entry is, for a reader that shows them differently (the conversation view). */
export type EntryKind =
  'user' | 'assistant' | 'tool-call' | 'tool-output' | 'compaction' | 'error' | 'aborted' | 'image' | 'web-search';

/**
 * An image in an entry: its label, and where its base64 payload lies in a plain rollout — or, once a
 * repair archived it, the file it was saved as (CODEX_HOME/rescue/images/<sha256>.<ext>) — for a thumbnail.
 */
export interface EntryImage {
  label: string;
  start?: number;
  end?: number;
  archived?: string;
}

/** One entry of the conversation: `text` is what read_thread shows after `[line N] `. */
export interface TranscriptEntry {
  /** 1-based rollout line. */
  line: number;
  kind: EntryKind;
  at?: string;
  text: string;
  /** Its cursor: readTranscript from here starts with this entry. */
  cursor: string;
  images: EntryImage[];
  /** Tool output or arguments were shortened here (ask again with larger toolChars to see more). */
  shortened: boolean;
}
