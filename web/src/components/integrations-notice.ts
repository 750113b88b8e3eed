// A message one page leaves for a workspace's integrations page that it navigates to ("HubSpot is
// connected"), kept in memory only: it is never put in the URL, and a reload does not repeat it.

let pending: { workspaceId: string; message: string } | undefined;

export function leaveIntegrationsNotice(workspaceId: string, message: string): void {
  pending = { workspaceId, message };
}

/** The message left for this workspace, if any; it stays until clearIntegrationsNotice(). */
export function peekIntegrationsNotice(workspaceId: string): string | undefined {
  return pending?.workspaceId === workspaceId ? pending.message : undefined;
}

export function clearIntegrationsNotice(): void {
  pending = undefined;
}
