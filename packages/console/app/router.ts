import { useSyncExternalStore } from "react";

/** A tiny history router under `/console/` (the gateway answers index.html for every path below it). */
export const BASE = "/console";

const subscribe = (cb: () => void) => {
  window.addEventListener("popstate", cb);
  return () => window.removeEventListener("popstate", cb);
};

/** The path below `/console`, e.g. `/channels`. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname.slice(BASE.length).replace(/\/$/, "") || "/");
}

export function navigate(path: string): void {
  window.history.pushState(null, "", `${BASE}${path}`);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
