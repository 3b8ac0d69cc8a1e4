// Who said or did what a search hit matched, and how the fronts name it.
export type SearchRole = 'user' | 'assistant' | 'reasoning' | 'command' | 'patch' | 'name';

export const ROLE_LABEL: Record<SearchRole, string> = {
  name: 'thread name',
  user: 'you',
  assistant: 'assistant',
  reasoning: 'reasoning',
  command: 'command',
  patch: 'patched files',
};
