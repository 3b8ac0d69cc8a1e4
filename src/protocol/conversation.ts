// Every message between the extension host and the conversation webview (src/webview/conversation.ts).
// No Node and no `vscode` import: the webview compiles against it too.
import type { TranscriptEntry } from '../core/preview/entries';

export type { TranscriptEntry } from '../core/preview/entries';

/** A page of a thread's conversation, as the view gets it. */
export interface ConversationPage {
  entries: TranscriptEntry[];
  /** Where the next page starts; absent at the end of the file. */
  nextCursor?: string;
  /** The page starts at the beginning of the thread. */
  fromStart: boolean;
}

export type ToConversation =
  | { type: 'thread'; name: string; threadId: string; fileBytes: number; focusLine?: number; page: ConversationPage }
  | { type: 'more-pages'; page: ConversationPage }
  /** One entry again, with more of its tool output. */
  | { type: 'entry'; entry: TranscriptEntry }
  | { type: 'thumb'; key: string; dataUrl?: string; reason?: string }
  | { type: 'error'; message: string };

export type FromConversation =
  | { type: 'ready' }
  | { type: 'next'; cursor: string }
  | { type: 'from-start' }
  | { type: 'expand'; cursor: string }
  | { type: 'thumb'; key: string; start: number; end: number }
  | { type: 'archived-thumb'; key: string; file: string };

export function isFromConversation(m: unknown): m is FromConversation {
  const t = (m as { type?: unknown })?.type;
  return (
    t === 'ready' || t === 'next' || t === 'from-start' || t === 'expand' || t === 'thumb' || t === 'archived-thumb'
  );
}
