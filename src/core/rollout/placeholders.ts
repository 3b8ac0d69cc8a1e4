// The texts a repair leaves where it took something out of the live history (repair/stripPass.ts and
// rollout/imageUrl.ts write them). Readers that look for what people said — a thread's name, its first
// prompt — pass over them; the conversation view shows them for what they are.
export const IMAGE_PLACEHOLDER_PREFIX = '[image omitted by codex-session-rescue: ';
export const BROKEN_IMAGE_PREFIX = '[broken image reference removed by codex-session-rescue: ';

export function isRepairPlaceholder(text: string): boolean {
  return text.startsWith(IMAGE_PLACEHOLDER_PREFIX) || text.startsWith(BROKEN_IMAGE_PREFIX);
}
