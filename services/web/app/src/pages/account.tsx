import type { Overview } from '../model.js';
import { ProblemNotice } from '../problem-notice.js';
import { useLoad, useShop } from '../shop.js';

const PART_NAMES: Record<Overview['missing'][number], string> = {
  user: 'your profile',
  orders: 'your orders',
  notifications: 'your notifications',
};

/** The storefront's overview of the person: profile, counts, and which parts could not be shown. */
export function AccountPage() {
  const { api } = useShop();
  const { data, problem, reload } = useLoad(
    () => api.call<Overview>('/overview', { signedIn: true, label: 'my account: GET /api/overview' }),
    [api],
  );
  return (
    <section aria-labelledby="account">
      <h1 id="account">My account</h1>
      {problem !== undefined ? <ProblemNotice problem={problem} onRetry={reload} /> : null}
      {data === undefined ? null : (
        <>
          {data.missing.length > 0 ? (
            <div role="alert" className="notice">
              <p>
                Some of your account could not be shown just now: {data.missing.map((p) => PART_NAMES[p]).join(', ')}.
              </p>
              <button type="button" onClick={reload}>
                Try again
              </button>
            </div>
          ) : null}
          {data.user === null ? (
            data.missing.includes('user') ? null : (
              <p>No profile yet.</p>
            )
          ) : (
            <dl>
              <dt>Name</dt>
              <dd>{data.user.name}</dd>
              <dt>Email</dt>
              <dd>{data.user.email}</dd>
            </dl>
          )}
          {data.orders === null ? null : <p>Orders: {data.orders.length}</p>}
          {data.notifications === null ? null : <p>Notifications: {data.notifications.length}</p>}
          <p>Storefront release: {data.release ?? 'stable'}</p>
        </>
      )}
    </section>
  );
}
