import { deterministicId } from "@siyu/kernel";

/** Partitions per whole-corp collection (relations, ledger): read in parallel, never one hot key. */
export const SHARDS = 16;

/** The shard of an id: stable, evenly spread. */
export function shardOf(id: string): number {
  return Number.parseInt(deterministicId("shard", id).slice(0, 8), 16) % SHARDS;
}
