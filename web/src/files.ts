// Saving text or a downloaded export as a file, and copying text, without any markup injection:
// a Blob URL on a temporary <a download>, revoked straight after.

export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next task: the click has started the download by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function saveText(text: string, filename: string): void {
  saveFile(new Blob([text], { type: 'text/plain;charset=utf-8' }), filename);
}

/** @returns false when the browser refused (no permission, or not a secure context). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
