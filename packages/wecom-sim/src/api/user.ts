import * as z from "zod";
import { ERR, WecomError } from "../errors.ts";
import type { Staff } from "../world/staff.ts";
import { type ApiRoute, get, limitOf, page, pageFields, parse, post } from "./route.ts";

/** A little of the contacts API: reading members. */
function render(s: Staff) {
  return { userid: s.userid, name: s.name, department: s.department, status: s.status === "active" ? 1 : 5 };
}

function inDepartment(staff: Staff[], department: string | null): Staff[] {
  if (department === null) throw new WecomError(ERR.EMPTY_PARAMETER, "department_id is required");
  const id = Number(department);
  // department 1 is the root: everyone is under it
  return staff.filter((s) => s.status === "active" && (id === 1 || s.department.includes(id)));
}

export const userRoutes: ApiRoute[] = [
  get("user/get", ({ world, query }) => render(world.staff.require(query.get("userid") ?? undefined))),
  get("user/list", ({ world, query }) => ({ userlist: inDepartment(world.staff.all(), query.get("department_id")).map(render) })),
  get("user/simplelist", ({ world, query }) => ({
    userlist: inDepartment(world.staff.all(), query.get("department_id")).map((s) => ({ userid: s.userid, name: s.name, department: s.department })),
  })),
  post("user/list_id", ({ world, body }) => {
    const input = parse(z.object(pageFields), body);
    const limit = limitOf(input.limit, 1000, 10_000, "user.list-id-limit-10000");
    const p = page(world.staff.active(), input.cursor, limit);
    return { next_cursor: p.next_cursor, dept_user: p.items.map((s) => ({ userid: s.userid, department: s.department[0] ?? 1 })) };
  }),
];
