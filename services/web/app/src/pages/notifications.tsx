import { useEffect, useState } from 'react';
import type { ShopNotification } from '../model.js';
import { ProblemNotice } from '../problem-notice.js';
import { useLoad, useShop } from '../shop.js';

/** Notifications arrive after the async hop (orders → NATS → notifications): look again for a while. */
const POLL_MS = 2_000;
const POLLS = 15;

export function NotificationsPage() {
  const { api } = useShop();
  const [round, setRound] = useState(0);
  const { data, problem, reload } = useLoad(
    () => api.call<ShopNotification[]>('/notifications', { signedIn: true, label: 'my notifications' }),
    [api, round],
  );
  const watching = round < POLLS && problem === undefined;
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
      {data === undefined ? null : data.length === 0 ? (
        <p>No notifications yet.</p>
      ) : (
        <ul className="notifications">
          {data.map((n) => (
            <li key={n.id}>
              {n.message} <time dateTime={n.sentAt}>{new Date(n.sentAt).toLocaleString('en')}</time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
