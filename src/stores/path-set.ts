/**
 * A set of store paths that protects what lies under them: a key is covered when it is one of
 * the paths, lies inside one (`p/...`: a Zarr array, an object folder) or is one's sidecar
 * (`p.manifest.json`). DataJoint's gc uses the same rule (datajoint-compat.md §7). A lookup walks
 * the key's parent folders, so it costs the key's depth, never the number of paths.
 */
export class PathSet {
  private readonly paths = new Set<string>();

  add(path: string): void {
    this.paths.add(path.replace(/\/+$/, ""));
  }

  get size(): number {
    return this.paths.size;
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  /** The path that covers `key`, or undefined. */
  coveringPath(key: string): string | undefined {
    if (this.paths.has(key)) return key;
    if (key.endsWith(".manifest.json")) {
      const base = key.slice(0, -".manifest.json".length);
      if (this.paths.has(base)) return base;
    }
    for (let at = key.lastIndexOf("/"); at > 0; at = key.lastIndexOf("/", at - 1)) {
      const parent = key.slice(0, at);
      if (this.paths.has(parent)) return parent;
    }
    return undefined;
  }

  covers(key: string): boolean {
    return this.coveringPath(key) !== undefined;
  }
}
