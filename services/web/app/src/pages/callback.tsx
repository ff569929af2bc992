import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../api.js';
import { useShop } from '../shop.js';

/**
 * The provider sends the browser back here with a code: trade it for tokens, make sure the person
 * has a profile in users (created on the first sign-in, answered again after), go back to their page.
 */
export function CallbackPage() {
  const { auth, api } = useShop();
  const navigate = useNavigate();
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const once = useRef(false);
  useEffect(() => {
    if (once.current) return;
    once.current = true;
    void (async () => {
      try {
        const { user, returnTo } = await auth.completeSignIn();
        const email = String(user.profile.email ?? '');
        if (email !== '') {
          try {
            await api.call('/users', {
              method: 'POST',
              body: { name: email.split('@')[0] ?? email, email },
              signedIn: true,
              label: 'profile: POST /api/users',
            });
          } catch (error) {
            // 409: a profile exists already (changed elsewhere); it is still the person's.
            if (!(error instanceof ApiError && error.problem.kind === 'refused' && error.problem.status === 409))
              throw error;
          }
        }
        void navigate(returnTo, { replace: true });
      } catch (error) {
        setFailed(error instanceof Error ? error.message : String(error));
      }
    })();
  }, [auth, api, navigate]);
  return (
    <section aria-labelledby="callback">
      <h1 id="callback">Signing you in</h1>
      {failed === undefined ? (
        <p>One moment…</p>
      ) : (
        <p role="alert">Sign-in did not complete: {failed}. Please sign in again.</p>
      )}
    </section>
  );
}
