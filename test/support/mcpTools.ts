// The tools our MCP server offers a model: these always (read-only, and write_handoff, which writes only
// under rescue/handoffs), the repair tools only with --allow-repair. Spelled out here, not read from the
// server, so that a tool added or dropped fails every test that lists what a model is shown.
export const ALWAYS_OFFERED = [
  'inspect_thread',
  'list_threads',
  'plan_reclaim',
  'preview_repair',
  'read_thread',
  'search_threads',
  'write_handoff',
];

export const REPAIR_TOOLS = ['reclaim', 'repair_thread', 'restore_thread'];
