import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { NotificationPage } from '../model.js';
import { ProblemNotice } from '../problem-notice.js';
import { useLoad, useShop } from '../shop.js';

/** Notifications arrive after the async hop (orders → NATS → notifications): look again for a while. */
const POLL_MS = 2_000;
const POLLS = 15;

/** The newest notifications first, a page at a time (the API's opaque cursor); older pages by link. */
export function NotificationsPage() {
  const { api } = useShop();
  const [params] = useSearchParams();
  const cursor = params.get('cursor');
  const path = `/notifications${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`;
  const [round, setRound] = useState(0);
  const { data, problem, reload } = useLoad(
    () => api.call<NotificationPage>(path, { signedIn: true, label: 'my notifications' }),
    [api, path, round],
  );
  // Only the newest page gains notifications: an older one is watched no more.
  const watching = cursor === null && round < POLLS && problem === undefined;
  useEffect(() => {
    if (!watching) return;
    const timer = window.setTimeout(() => setRound((r) => r + 1), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [watching, round]);
  return (
    <section aria-labelledby="notifications">
      <h1 id="notifications">My notifications</h1>
      <p role="status">{watching ? 'Watching for new notifications…' : 'Up to date.'}</p>
      {problem !== undefined ? (
        <ProblemNotice
          problem={problem}
          onRetry={() => {
            setRound(0);
            reload();
          }}
        />
      ) : null}
      {data === undefined ? null : data.items.length === 0 ? (
        <p>No notifications yet.</p>
      ) : (
        <ul className="notifications">
          {data.items.map((n) => (
            <li key={n.id}>
              {n.message} <time dateTime={n.sentAt}>{new Date(n.sentAt).toLocaleString('en')}</time>
            </li>
          ))}
        </ul>
      )}
      {data === undefined || (cursor === null && data.nextCursor === null) ? null : (
        <nav aria-label="Pages" className="pager">
          {cursor === null ? null : <Link to="/notifications">Newest</Link>}
          {data.nextCursor === null ? null : (
            <Link to={`/notifications?cursor=${encodeURIComponent(data.nextCursor)}`}>Older notifications</Link>
          )}
        </nav>
      )}
    </section>
  );
}
