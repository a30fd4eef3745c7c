import { useCallback, useEffect, useState } from "react";
import type { GroupBy } from "../../api/churn";
import { api } from "../../api/client";
import { useLang } from "../../i18n";

// A channel's name does not change while the console is open often enough to ask twice.
const names = new Map<string, Promise<string | undefined>>();

/** A channel's name through `GET /v1/channels/{channelId}` (undefined when it cannot be read). */
function channelName(channelId: string): Promise<string | undefined> {
  let name = names.get(channelId);
  if (!name) {
    name = api.GET("/v1/channels/{channelId}", { params: { path: { channelId } } }).then(
      (r) => r.data?.name,
      () => undefined,
    );
    names.set(channelId, name);
  }
  return name;
}

/**
 * The label of a stats group: the staff member's userId, the channel's name (the stats answers
 * carry only channel ids; `""` is 无渠道), or 全企业 for the corp.
 */
export function useGroupNames(kind: GroupBy, ids: readonly (string | null | undefined)[]): (id: string | null | undefined) => string {
  const { t } = useLang();
  const [known, setKnown] = useState<ReadonlyMap<string, string>>(new Map());
  const wanted = kind === "channel" ? [...new Set(ids.filter((id): id is string => !!id))].sort() : [];
  const key = wanted.join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the list of ids
  useEffect(() => {
    let live = true;
    Promise.all(wanted.map(async (id) => [id, await channelName(id)] as const)).then((found) => {
      if (live) setKnown(new Map(found.filter((e): e is readonly [string, string] => e[1] !== undefined)));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return useCallback(
    (id: string | null | undefined) => {
      if (kind === "day" || id === null || id === undefined) return t.wholeCorp;
      if (kind === "staff") return id;
      return id === "" ? t.noChannel : (known.get(id) ?? id);
    },
    [kind, known, t],
  );
}
