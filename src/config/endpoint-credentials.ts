/**
 * Credentials written into an endpoint URL (`https://AKIA…:secret@s3.lab.org`). They are refused
 * at validation, and registered as secrets first, so no message — the refusal included — can
 * print them: the endpoint is printed in many places (store list, every store error).
 */
import { registerSecret } from "../ui/redact.js";

/** The `user[:password]` part before the host, or null. Registers both parts as secrets. */
export function endpointCredentials(endpoint: string): string | null {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#\s]*)@/i.exec(endpoint);
  if (!m || m[1] === "") return m ? "@" : null;
  const userinfo = m[1]!;
  for (const part of [userinfo, ...userinfo.split(":")]) {
    registerSecret(part);
    try {
      registerSecret(decodeURIComponent(part));
    } catch (err) {
      // not URI-encoded (a lone %): the raw form is registered already
      if (!(err instanceof URIError)) throw err;
    }
  }
  return userinfo;
}
