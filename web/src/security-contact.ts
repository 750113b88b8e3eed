// Reads the reporting contact from /.well-known/security.txt (RFC 9116), so the policy page
// always names the address the operator configured (SECURITY_CONTACT) and never a stale copy.

export interface SecurityContact {
  /** As written in security.txt, e.g. `mailto:security@example.com`. */
  uri: string;
  /** What to show: the address for mailto:, the URL otherwise. */
  label: string;
}

/** Only these schemes become links; anything else in the file is shown as text, never followed. */
const LINKABLE = /^(mailto:|https:\/\/)/i;

export function parseSecurityContacts(text: string): SecurityContact[] {
  return text
    .split(/\r?\n/)
    .map((line) => /^contact:\s*(\S+)\s*$/i.exec(line)?.[1])
    .filter((uri): uri is string => uri !== undefined && LINKABLE.test(uri))
    .map((uri) => ({ uri, label: uri.replace(/^mailto:/i, '') }));
}

export async function fetchSecurityContacts(signal: AbortSignal): Promise<SecurityContact[]> {
  const response = await fetch('/.well-known/security.txt', { headers: { accept: 'text/plain' }, signal });
  if (!response.ok) throw new Error(`security.txt answered ${response.status}`);
  return parseSecurityContacts(await response.text());
}
