/** What web's /config.json tells the app (services/web/src/site-config.ts). */
export interface Site {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly jaegerUrl: string;
  readonly release: string;
}

export async function loadSite(): Promise<Site> {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`/config.json answered ${res.status}`);
  return (await res.json()) as Site;
}
