import { describe, expect, it } from 'vitest';
import { renderSecurityTxt } from './security-txt.js';

describe('security.txt', () => {
  it('uses PUBLIC_URL for Policy and Canonical, ignoring the Host header', () => {
    const text = renderSecurityTxt({ contact: 'mailto:security@example.com', publicUrl: 'https://analytics.example.com/', requestBaseUrl: 'http://evil.example', now: () => new Date('2026-01-01T00:00:00Z') });
    expect(text).toBe(
      [
        'Contact: mailto:security@example.com',
        'Expires: 2026-12-31T00:00:00Z',
        'Policy: https://analytics.example.com/security',
        'Preferred-Languages: en, ru',
        'Canonical: https://analytics.example.com/.well-known/security.txt',
        '',
      ].join('\n'),
    );
  });
});
