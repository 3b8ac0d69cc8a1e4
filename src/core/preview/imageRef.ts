// An image of a rollout as the details panel lists it (type only: the webview compiles against it).

export interface ImageRef {
  /** Position in the thread (0-based, file order). */
  index: number;
  line: number;
  /** Byte range of the data URL's raw content in the rollout. */
  start: number;
  end: number;
  mediaType: string;
  storedBytes: number;
  width?: number;
  height?: number;
  where: string;
  /**
   * The image's file in the home's image store, when a repair replaced its payload with a placeholder
   * (start = end = 0 then): the thumbnail comes from there.
   */
  file?: string;
}
