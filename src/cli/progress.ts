// A progress line on a terminal (stderr), silent when output is piped.

export interface Progress {
  /** `note`: what the figures mean, after the percentage ("3 of 12 threads"). */
  update(done: number, total: number, note?: string): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WriteStream, label: string): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(done, total, note) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      stream.write(
        `\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%${note ? ` ${note}` : ''}\x1b[K`,
      );
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
