import { IdGen, seededRandom } from "../ids.ts";
import type { SimWorld } from "./world.ts";

/**
 * `seed: 'demo'`: a small brand's WeCom — 5 members, 3 corp tag groups, 10 customers spread over
 * the last 30 days with channels and tags, and one customer group. Ids come from a fixed PRNG, so
 * they are the same on every start. Seeding sends no callbacks (the data "was already there").
 */
const STAFF = [
  { userid: "zhangwei", name: "张伟" },
  { userid: "wangfang", name: "王芳" },
  { userid: "lina", name: "李娜" },
  { userid: "liuyang", name: "刘洋" },
  { userid: "chenjing", name: "陈静" },
];

const TAG_GROUPS = [
  { groupName: "客户等级", tags: ["高价值", "普通"] },
  { groupName: "来源渠道", tags: ["门店", "直播", "海报"] },
  { groupName: "兴趣", tags: ["护肤", "彩妆", "香氛"] },
];

const CUSTOMERS: { name: string; gender: 0 | 1 | 2; follows: { userid: string; daysAgo: number; state: string; tags: string[] }[] }[] = [
  { name: "林晓", gender: 2, follows: [{ userid: "zhangwei", daysAgo: 28, state: "store-sh-01", tags: ["高价值", "门店", "护肤"] }] },
  { name: "周婷", gender: 2, follows: [{ userid: "zhangwei", daysAgo: 21, state: "live-0601", tags: ["普通", "直播", "彩妆"] }] },
  { name: "吴昊", gender: 1, follows: [{ userid: "wangfang", daysAgo: 14, state: "poster-a", tags: ["普通", "海报"] }] },
  {
    name: "郑洁",
    gender: 2,
    follows: [
      { userid: "wangfang", daysAgo: 10, state: "store-sh-01", tags: ["高价值", "门店", "香氛"] },
      { userid: "lina", daysAgo: 3, state: "live-0601", tags: ["直播"] },
    ],
  },
  { name: "冯雪", gender: 2, follows: [{ userid: "lina", daysAgo: 9, state: "live-0601", tags: ["普通", "直播", "护肤"] }] },
  { name: "陈晨", gender: 1, follows: [{ userid: "lina", daysAgo: 6, state: "poster-a", tags: ["普通"] }] },
  { name: "褚云", gender: 2, follows: [{ userid: "liuyang", daysAgo: 5, state: "store-bj-02", tags: ["门店", "彩妆"] }] },
  { name: "卫东", gender: 1, follows: [{ userid: "liuyang", daysAgo: 2, state: "", tags: [] }] },
  {
    name: "蒋琳",
    gender: 2,
    follows: [
      { userid: "chenjing", daysAgo: 1, state: "live-0601", tags: ["高价值", "直播", "香氛"] },
      { userid: "zhangwei", daysAgo: 1, state: "live-0601", tags: ["直播"] },
    ],
  },
  { name: "沈佳", gender: 0, follows: [{ userid: "chenjing", daysAgo: 0, state: "poster-a", tags: ["海报", "护肤"] }] },
];

const DAY_MS = 86_400_000;

export function seedDemo(w: SimWorld): void {
  const now = w.clock.nowMs();
  for (const s of STAFF) {
    const staff = w.staff.add(s);
    staff.createdAt = now - 90 * DAY_MS;
  }
  const tagIds = new Map<string, string>();
  for (const g of TAG_GROUPS) {
    const { group } = w.tags.add({ groupName: g.groupName, tags: g.tags.map((name) => ({ name })) }, "console");
    for (const t of group.tags) tagIds.set(t.name, t.id);
  }
  const customers: string[] = [];
  for (const c of CUSTOMERS) {
    const customer = w.customers.add({ name: c.name, gender: c.gender, unionId: w.ids.unionId() });
    customers.push(customer.externalUserId);
    for (const f of c.follows) {
      const at = now - f.daysAgo * DAY_MS - (w.ids.int(600) + 60) * 60_000;
      customer.createdAt = Math.min(customer.createdAt, at);
      w.customers.follow(f.userid, customer.externalUserId, {
        state: f.state,
        addWay: 1,
        operUserid: customer.externalUserId,
        createdAt: at,
        tagIds: f.tags.map((name) => tagIds.get(name)).filter((id): id is string => id !== undefined),
      });
      w.activity.record({ at, kind: "contact_added", userid: f.userid, externalUserId: customer.externalUserId });
    }
  }
  w.activity.entries.sort((a, b) => a.at - b.at);
  const { group } = w.withSilentCallbacks(() =>
    w.groups.create({ owner: "zhangwei", name: "张伟的福利群1", externalUserIds: customers.slice(0, 3) }),
  );
  group.createTime = Math.floor((now - 20 * DAY_MS) / 1000);
  const created = w.activity.entries.find((a) => a.kind === "group_created" && a.chatId === group.chatId);
  if (created) created.at = now - 20 * DAY_MS;
  w.activity.entries.sort((a, b) => a.at - b.at);
}

seedDemo.ids = (): IdGen => new IdGen(seededRandom(0x5159));
