import type { User } from 'oidc-client-ts';
import { createContext, useCallback, useContext, useEffect, useState, type DependencyList } from 'react';
import { ApiError, type Api, type Problem } from './api.js';
import type { Auth } from './auth.js';
import type { Site } from './site.js';

export interface Shop {
  readonly site: Site;
  readonly auth: Auth;
  readonly api: Api;
}

export const ShopContext = createContext<Shop | null>(null);

export function useShop(): Shop {
  const shop = useContext(ShopContext);
  if (shop === null) throw new Error('useShop outside ShopContext');
  return shop;
}

/** The signed-in person (undefined while the app looks), kept current as tokens load and go. */
export function useUser(): User | null | undefined {
  const { auth } = useShop();
  const [user, setUser] = useState<User | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void auth.manager.getUser().then((u) => live && setUser(u));
    const loaded = (u: User): void => setUser(u);
    const unloaded = (): void => setUser(null);
    auth.manager.events.addUserLoaded(loaded);
    auth.manager.events.addUserUnloaded(unloaded);
    return () => {
      live = false;
      auth.manager.events.removeUserLoaded(loaded);
      auth.manager.events.removeUserUnloaded(unloaded);
    };
  }, [auth]);
  return user;
}

export function problemOf(error: unknown): Problem {
  return error instanceof ApiError ? error.problem : { kind: 'network' };
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly problem: Problem | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `load` when `deps` change (and on reload), keeping the last answer or problem. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ problem: problemOf(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [run, round]);
  return { data: state.data, problem: state.problem, loading: state.loading, reload: () => setRound((r) => r + 1) };
}
