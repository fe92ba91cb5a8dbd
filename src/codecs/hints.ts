/** What to install for a missing codec, and which known codec a mistyped name meant. */
import { nearest } from "../config/nearest.js";

const KNOWN_PACKAGES: Record<string, string> = {
  zarr: "dj-zarr-codecs",
  photon: "dj-photon-codecs",
};

export function installHint(codec: string): string {
  const pkg = KNOWN_PACKAGES[codec];
  if (pkg) return `npm install ${pkg}`;
  return `install the npm package that provides the <${codec}> codec (search npm for the keyword "datajoint-codec"), or write one with \`dj codecs new ${codec}\``;
}

/** The installed or known codec closest to a name that is neither (`zar` → `zarr`), or null. */
export function suggestCodec(name: string, installed: readonly string[]): string | null {
  if (installed.includes(name) || name in KNOWN_PACKAGES) return null;
  return nearest(name, [...new Set([...installed, ...Object.keys(KNOWN_PACKAGES)])]);
}

/** The hint for an unknown codec: the near name it may have meant, else what to install. */
export function missingCodecHint(name: string, installed: readonly string[]): string {
  const near = suggestCodec(name, installed);
  if (!near) return installHint(name);
  return installed.includes(near) ? `did you mean <${near}>? (installed)` : `did you mean <${near}>? ${installHint(near)}`;
}
