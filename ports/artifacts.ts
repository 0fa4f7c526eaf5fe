/** Where a release's immutable artifact lives on this machine. */
export interface ArtifactLocator {
  get(digest: string): Promise<string | null>;
}
