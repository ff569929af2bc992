import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * A strict Content Security Policy for the shop and helmet's other headers (nosniff, a strict
 * referrer policy, framing refused). Only the app's own files run and style the page: no inline
 * script or style, no eval, no plugins, no <base>. The browser talks to its own origin and to the
 * OpenID provider (discovery, token endpoint), and forms go only there too.
 */
export function securityHeaders(issuer: string): RequestHandler {
  const provider = new URL(issuer).origin;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", provider],
        formAction: ["'self'", provider],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // The shop is served over plain HTTP on kind's port-forward: HSTS would pin a scheme it does not have.
    strictTransportSecurity: false,
  });
}
