// The extension's command ids (package.json contributes them), in a file without a `vscode` import so
// the action table (and its unit tests) can name them.
export const COMMANDS = {
  scan: 'codexRescue.scan',
  refresh: 'codexRescue.refresh',
  openDetails: 'codexRescue.openDetails',
  writeHandoff: 'codexRescue.writeHandoff',
  previewRepair: 'codexRescue.previewRepair',
  repairInPlace: 'codexRescue.repairInPlace',
  repairAsFork: 'codexRescue.repairAsFork',
  applyPreviewedRepair: 'codexRescue.applyPreviewedRepair',
  restoreBackup: 'codexRescue.restoreBackup',
  continueInNewThread: 'codexRescue.continueInNewThread',
  copyResumeCommand: 'codexRescue.copyResumeCommand',
  revealRollout: 'codexRescue.revealRollout',
  openSettings: 'codexRescue.openSettings',
  filter: 'codexRescue.filter',
  groupBy: 'codexRescue.groupBy',
  addMcpServer: 'codexRescue.addMcpServer',
  sortBy: 'codexRescue.sortBy',
} as const;
