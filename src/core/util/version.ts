// The tool's version, from package.json: esbuild writes it in at build time (`define`); code run from
// source (tests, tsx) reads package.json instead.
declare const __CSR_VERSION__: string | undefined;

export const VERSION: string =
  typeof __CSR_VERSION__ === 'string'
    ? __CSR_VERSION__
    : // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../../../package.json') as { version: string }).version;
