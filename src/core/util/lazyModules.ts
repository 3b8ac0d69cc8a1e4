// Node modules that only a few commands use, loaded on first use rather than when a bundle starts:
// loaded at start, together they cost a warm search (mostly start-up) ~3 ms of CPU, and ~1–2 MB of memory.
export const childProcess = (): typeof import('node:child_process') => process.getBuiltinModule('node:child_process');
export const zlib = (): typeof import('node:zlib') => process.getBuiltinModule('node:zlib');
export const readline = (): typeof import('node:readline') => process.getBuiltinModule('node:readline');
