// A rollout's first line only: its session_meta, read without reading the rest of the file.
import { classify, readSessionMeta, SessionMeta } from './format';
import { readRollout } from './reader';

export function readHeadMeta(file: string): SessionMeta | undefined {
  let meta: SessionMeta | undefined;
  readRollout(
    file,
    (l) => {
      if (l.value) meta = readSessionMeta(classify(l.value, true));
    },
    { hashDataUrls: false, maxLines: 1 },
  );
  return meta;
}
