import { ERR, SimError, WecomError } from "../errors.ts";
import { Table } from "./rows.ts";
import type { SimWorld } from "./world.ts";

/** An external contact (客户): a WeChat user. */
export interface Customer {
  externalUserId: string;
  name: string;
  unionId?: string;
  /** 1 = WeChat user, 2 = WeCom user. The simulator only makes WeChat users. */
  type: 1 | 2;
  gender: 0 | 1 | 2;
  avatar: string;
  createdAt: number;
}

/** One member ↔ customer friendship (follow_user entry), with its own add time, channel and tags. */
export interface FollowRelation {
  /** The pair is the relation's key (and what CustomerBook indexes it by): never changed in place. */
  readonly userid: string;
  readonly externalUserId: string;
  createdAt: number;
  /** The contact way's `state` at add time: Siyu's channel key. */
  state: string;
  /** wecom-reference §5 add_way: 1 = QR scan, 202 = admin assignment (transfer) … */
  addWay: number;
  operUserid: string;
  remark: string;
  description: string;
  tagIds: Set<string>;
  /**
   * The customer deleted the member (del_follow_user). WeCom keeps a one-way relation: the member
   * still lists the customer and APIs still work, but messages no longer reach them.
   */
  customerDeleted: boolean;
  /** The two have exchanged messages (a welcome or a broadcast was delivered). */
  chatted: boolean;
}

interface EndedRelation {
  relation: FollowRelation;
  endedAt: number;
  reason: "staff-deleted" | "transferred";
}

const key = (userid: string, externalUserId: string) => `${userid}\u0000${externalUserId}`;

/** Add `rel` to the bucket `outer[id]`, under `inner` (the relation's other id). */
function indexAdd(outer: Map<string, Map<string, FollowRelation>>, id: string, inner: string, rel: FollowRelation): void {
  const bucket = outer.get(id);
  if (bucket) bucket.set(inner, rel);
  else outer.set(id, new Map([[inner, rel]]));
}

function indexDelete(outer: Map<string, Map<string, FollowRelation>>, id: string, inner: string): void {
  const bucket = outer.get(id);
  if (!bucket) return;
  bucket.delete(inner);
  if (bucket.size === 0) outer.delete(id);
}

/** Oldest first; a stable sort, so relations added at the same ms keep the order they were added in. */
const oldestFirst = (rels: Iterable<FollowRelation>) => [...rels].sort((a, b) => a.createdAt - b.createdAt);

export class CustomerBook extends Table<Customer> {
  /**
   * Every current relation, by (userid, externalUserId). `follow` and `end` are the only writers of
   * it and of the two indexes below, which hold the same relations by customer and by member; each
   * bucket keeps `relations`' insertion order, so a lookup sees exactly what a full scan would.
   */
  private readonly relations = new Map<string, FollowRelation>();
  /** externalUserId → userid → relation. */
  private readonly byCustomer = new Map<string, Map<string, FollowRelation>>();
  /** userid → externalUserId → relation. */
  private readonly byMember = new Map<string, Map<string, FollowRelation>>();
  readonly ended: EndedRelation[] = [];
  constructor(private readonly w: SimWorld) {
    super("external_userid", "customer");
  }

  add(input: { name: string; unionId?: string; gender?: 0 | 1 | 2; externalUserId?: string }): Customer {
    const externalUserId = input.externalUserId ?? this.w.ids.externalUserId();
    if (this.byId.has(externalUserId)) throw new SimError(409, `customer ${externalUserId} already exists`);
    if (input.unionId && this.all().some((c) => c.unionId === input.unionId)) {
      throw new SimError(409, `a customer with unionId ${input.unionId} already exists`);
    }
    const customer: Customer = {
      externalUserId,
      name: input.name,
      type: 1,
      gender: input.gender ?? 0,
      avatar: `https://wx.qlogo.cn/mmhead/sim-${externalUserId}/0`,
      createdAt: this.w.clock.nowMs(),
      ...(input.unionId ? { unionId: input.unionId } : {}),
    };
    this.byId.set(externalUserId, customer);
    return customer;
  }

  relation(userid: string, externalUserId: string): FollowRelation | undefined {
    return this.relations.get(key(userid, externalUserId));
  }

  /** The relation, or 84061 (不存在外部联系人的关系). */
  requireRelation(userid: string, externalUserId: string): FollowRelation {
    const rel = this.relation(userid, externalUserId);
    if (!rel) throw new WecomError(ERR.NOT_EXTERNAL_CONTACT, `${externalUserId} is not an external contact of ${userid}`);
    return rel;
  }

  /** Every member following the customer, oldest first. */
  relationsOf(externalUserId: string): FollowRelation[] {
    return oldestFirst(this.byCustomer.get(externalUserId)?.values() ?? []);
  }

  /** The member's customers, oldest first. */
  customersOf(userid: string): FollowRelation[] {
    return oldestFirst(this.byMember.get(userid)?.values() ?? []);
  }

  allRelations(): FollowRelation[] {
    return [...this.relations.values()];
  }

  /** Whether the two were friends before (an ended relation exists). */
  wereRelated(userid: string, externalUserId: string): boolean {
    return this.ended.some((e) => e.relation.userid === userid && e.relation.externalUserId === externalUserId);
  }

  follow(
    userid: string,
    externalUserId: string,
    init: { state?: string; addWay: number; operUserid: string; createdAt?: number; tagIds?: Iterable<string>; remark?: string },
  ): FollowRelation {
    const k = key(userid, externalUserId);
    if (this.relations.has(k)) throw new Error(`relation ${userid}/${externalUserId} already exists`);
    const relation: FollowRelation = {
      userid,
      externalUserId,
      createdAt: init.createdAt ?? this.w.clock.nowMs(),
      state: init.state ?? "",
      addWay: init.addWay,
      operUserid: init.operUserid,
      remark: init.remark ?? "",
      description: "",
      tagIds: new Set(init.tagIds ?? []),
      customerDeleted: false,
      chatted: false,
    };
    this.relations.set(k, relation);
    indexAdd(this.byCustomer, externalUserId, userid, relation);
    indexAdd(this.byMember, userid, externalUserId, relation);
    return relation;
  }

  end(userid: string, externalUserId: string, reason: EndedRelation["reason"]): FollowRelation {
    const k = key(userid, externalUserId);
    const rel = this.relations.get(k);
    if (!rel) throw new Error(`no relation ${userid}/${externalUserId}`);
    this.relations.delete(k);
    indexDelete(this.byCustomer, externalUserId, userid);
    indexDelete(this.byMember, userid, externalUserId);
    this.ended.push({ relation: rel, endedAt: this.w.clock.nowMs(), reason });
    return rel;
  }

  /** Remove a deleted corp tag from every relation. */
  dropTag(tagId: string): void {
    for (const rel of this.relations.values()) rel.tagIds.delete(tagId);
  }
}
