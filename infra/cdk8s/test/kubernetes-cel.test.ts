/**
 * The Kubernetes URL library's url() and getScheme() in the CEL environment
 * (support/kubernetes-cel.ts), against what Go's url.ParseRequestURI accepts, which url() calls
 * (k8s.io/apiserver pkg/cel/library/urls.go: stringToUrl).
 */
import { isCelError, parse, plan } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { kubernetesCelEnv } from './support/kubernetes-cel.js';

const scheme = (raw: string): unknown => {
  const result = plan(kubernetesCelEnv, parse(`url(${JSON.stringify(raw)}).getScheme()`))({});
  return isCelError(result) ? 'error' : result;
};

describe('url() as ParseRequestURI', () => {
  it('takes absolute URIs and absolute paths; the scheme comes back lower-cased', () => {
    expect(scheme('HTTPS://issuer.example/.well-known/jwks.json')).toBe('https');
    expect(scheme('/jwks.json')).toBe('');
    expect(scheme('mailto:ops@example.com')).toBe('mailto');
  });

  it('accepts a space in the path (not a control character), refuses one in the host', () => {
    expect(scheme('http://a.example/b c')).toBe('http');
    expect(scheme('http://a b.example/')).toBe('error');
  });

  it('refuses control characters, relative references, bad ports and bad escapes', () => {
    for (const raw of ['http://a.example/\t', 'jwks.json', '', 'http://a.example:port/', 'http://a.example/%zz']) {
      expect(scheme(raw), raw).toBe('error');
    }
    expect(scheme('http://a.example:8080/x?q=%zz')).toBe('http');
  });
});
