import { useLocation } from 'react-router';
import type { Problem } from './api.js';
import { useShop } from './shop.js';

export interface ProblemNoticeProps {
  readonly problem: Problem;
  /** Asks again (shown for problems that may pass). @default no button */
  readonly onRetry?: () => void;
  /** Names skus for a person (a refused order's items). @default the sku itself */
  readonly nameOf?: (sku: string) => string;
}

/** Every error the API can answer, said the way a person wants to hear it, with what to do next. */
export function ProblemNotice({ problem, onRetry, nameOf = (sku) => sku }: ProblemNoticeProps) {
  const { auth } = useShop();
  const location = useLocation();
  const retry =
    onRetry === undefined ? null : (
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    );
  switch (problem.kind) {
    case 'signIn':
      return (
        <div role="alert" className="notice">
          <p>Your session has ended. Sign in again and you will come back to this page.</p>
          <button type="button" onClick={() => void auth.signIn(location.pathname + location.search)}>
            Sign in again
          </button>
        </div>
      );
    case 'notFound':
      return (
        <div role="alert" className="notice">
          <p>We could not find that. {problem.detail}</p>
        </div>
      );
    case 'refused':
      return (
        <div role="alert" className="notice">
          {problem.skus.length > 0 ? (
            <>
              <p>These items can no longer be ordered:</p>
              <ul>
                {problem.skus.map((sku) => (
                  <li key={sku}>
                    {nameOf(sku)} <span className="sku">({sku})</span>
                  </li>
                ))}
              </ul>
              <p>Remove them from your cart and check out again.</p>
            </>
          ) : (
            <p>{problem.detail}</p>
          )}
        </div>
      );
    case 'slowDown':
      return (
        <div role="alert" className="notice">
          <p>
            You are going a little fast for the shop. Please wait
            {problem.waitSeconds === undefined ? ' a moment' : ` ${problem.waitSeconds} s`} and try again.
          </p>
          {retry}
        </div>
      );
    case 'unavailable':
      return (
        <div role="alert" className="notice">
          <p>The shop could not answer just now ({problem.status}). Nothing was lost: please try again.</p>
          {retry}
        </div>
      );
    case 'network':
      return (
        <div role="alert" className="notice">
          <p>The shop cannot be reached. Check your connection and try again.</p>
          {retry}
        </div>
      );
  }
}
