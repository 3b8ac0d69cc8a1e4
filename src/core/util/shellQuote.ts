// Quoting for the commands we show people to paste into a shell (resume commands, handoff seeds).

/** POSIX shell: words that need no quoting stay bare; anything else in single quotes. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** PowerShell: single quotes, a quote doubled. */
export function powerShellQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
