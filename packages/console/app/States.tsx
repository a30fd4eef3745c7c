import { Alert, Button, Empty, Spin } from "antd";
import type { ReactNode } from "react";
import { describeProblem, ProblemError } from "./api/problem";
import { useLang } from "./i18n";

/** Loading, error (the problem's `detail`) and empty states around a page's content. */
export function Loadable<T>({ loading, error, data, isEmpty, reload, emptyText, children }: {
  loading: boolean;
  error: unknown;
  data: T | undefined;
  isEmpty?: (d: T) => boolean;
  reload(): void;
  emptyText?: string;
  children: (d: T) => ReactNode;
}) {
  const { t } = useLang();
  if (error !== undefined) {
    return (
      <Alert
        type="error"
        showIcon
        data-testid="load-error"
        title={t.loadFailed}
        description={describe(error)}
        action={<Button onClick={reload}>{t.retry}</Button>}
      />
    );
  }
  if (loading && data === undefined) return <Spin data-testid="loading" tip={t.loading} size="large"><div style={{ height: 160 }} /></Spin>;
  if (data === undefined || isEmpty?.(data)) return <Empty data-testid="empty" description={emptyText ?? t.empty} />;
  return <>{children(data)}</>;
}

/**
 * What went wrong, for the operator: a problem of a known type in Chinese (its own `detail` in
 * English mode, or for a type the console does not know), a network error as it is.
 */
export function describe(error: unknown): string {
  if (error instanceof ProblemError) return describeProblem(error.problem);
  return error instanceof Error ? error.message : String(error);
}
