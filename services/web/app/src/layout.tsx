import { useEffect, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useCart } from './cart.js';
import type { Overview } from './model.js';
import { useShop, useUser } from './shop.js';
import { useLastTrace } from './traces.js';

/** Which storefront release answered for this person (a canary names itself; the stable one does not). */
function useRelease(signedIn: boolean): string | undefined {
  const { api } = useShop();
  const { pathname } = useLocation();
  const [release, setRelease] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    api.call<Overview>('/overview', { signedIn: true, quiet: true }).then(
      (o) => live && setRelease(o.release ?? 'stable'),
      () => live && setRelease(undefined),
    );
    return () => {
      live = false;
    };
  }, [api, signedIn, pathname]);
  return signedIn ? release : undefined;
}

export function Layout({ children }: { readonly children: ReactNode }) {
  const { site, auth } = useShop();
  const user = useUser();
  const lines = useCart();
  const location = useLocation();
  const release = useRelease(user !== null && user !== undefined);
  const trace = useLastTrace();
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  return (
    <>
      <header>
        <Link to="/" className="brand">
          mesh-kit shop
        </Link>
        <nav aria-label="Shop">
          <NavLink to="/" end>
            Catalogue
          </NavLink>
          <NavLink to="/cart">Cart ({count})</NavLink>
          <NavLink to="/orders">My orders</NavLink>
          <NavLink to="/notifications">Notifications</NavLink>
          <NavLink to="/account">Account</NavLink>
        </nav>
        <div className="who">
          {user === undefined ? null : user === null ? (
            <button type="button" onClick={() => void auth.signIn(location.pathname + location.search)}>
              Sign in
            </button>
          ) : (
            <>
              <span>{String(user.profile.email ?? 'signed in')}</span>
              <button type="button" onClick={() => void auth.signOut()}>
                Sign out
              </button>
            </>
          )}
        </div>
      </header>
      <main>{children}</main>
      <footer>
        <span className="badge" data-testid="release">
          web {site.release} · storefront {release ?? (user === null ? '(sign in to see)' : '…')}
        </span>
        {trace === undefined ? null : (
          <a
            href={`${site.jaegerUrl}/trace/${trace.traceId}`}
            target="_blank"
            rel="noreferrer"
            data-testid="trace-link"
          >
            Trace of {trace.label} in Jaeger
          </a>
        )}
      </footer>
    </>
  );
}
