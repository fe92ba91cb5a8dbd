/** What to install for a missing codec: the known plugin packages, else a generic search hint. */
const KNOWN_PACKAGES: Record<string, string> = {
  zarr: "dj-zarr-codecs",
  photon: "dj-photon-codecs",
};

export function installHint(codec: string): string {
  const pkg = KNOWN_PACKAGES[codec];
  if (pkg) return `npm install ${pkg}`;
  return `install the npm package that provides the <${codec}> codec (search npm for the keyword "datajoint-codec"), or write one with \`dj codecs new ${codec}\``;
}
