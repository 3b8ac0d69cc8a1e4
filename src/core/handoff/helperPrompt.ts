// First prompts for a helper Codex thread that works on another thread with the rescue tools
// (the extension's "Ask Codex to summarise it first"; the README shows the same words).

/** The first prompt of a helper Codex thread that summarises a stuck one with our tools. */
export function summarisePrompt(threadId: string, name: string): string {
  return (
    `Codex thread ${threadId} ("${name.replace(/\s+/g, ' ').slice(0, 80)}") is stuck or too large to continue. ` +
    'Use the codex-rescue MCP tools: call inspect_thread on it, read its whole conversation with read_thread (follow nextCursor to the end), ' +
    'then call write_handoff on it. Then write me a summary a new thread can continue from: the goal, what is done, ' +
    'what is left, the files involved and the next step. Do not repair or change that thread.'
  );
}
