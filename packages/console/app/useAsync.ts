import { useCallback, useEffect, useState } from "react";

/** Loading / data / error of one async read, with `reload`. A stale answer never overwrites a newer one. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): { loading: boolean; data: T | undefined; error: unknown; reload(): void } {
  const [state, setState] = useState<{ loading: boolean; data: T | undefined; error: unknown }>({ loading: true, data: undefined, error: undefined });
  const [n, setN] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ loading: false, data, error: undefined }),
      (error: unknown) => live && setState({ loading: false, data: undefined, error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { ...state, reload: useCallback(() => setN((x) => x + 1), []) };
}
