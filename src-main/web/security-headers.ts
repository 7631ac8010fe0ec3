/**
 * Response headers for every page the product serves (browser mode here; the Electron main
 * process applies the same CSP to its window). The renderer loads nothing from elsewhere:
 * scripts, workers and styles come from the app itself, images from canvases (data:/blob:),
 * and the only connection is the WebSocket back to the same origin. `style-src 'unsafe-inline'`
 * is there because Svelte sets `style` attributes; inline *scripts* stay forbidden.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The token rides in the page's URL: never leak it to another site through Referer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}
