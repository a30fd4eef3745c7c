import { SimError } from "../errors.ts";
import { Table } from "./rows.ts";
import type { SimWorld } from "./world.ts";

/** A WeCom member (成员) with customer contact enabled. */
export interface Staff {
  userid: string;
  name: string;
  department: number[];
  status: "active" | "resigned";
  /**
   * The member has a welcome message configured in the admin console: WeCom then sends that one
   * itself and the add event carries no WelcomeCode (wecom-reference §4).
   */
  consoleWelcome: boolean;
  createdAt: number;
  resignedAt?: number;
}

const USERID_RE = /^[A-Za-z0-9._@-]{1,64}$/;

/** Members by userid; `require` answers WeCom's 41009 (no userid) / 60111 (unknown userid). */
export class StaffDirectory extends Table<Staff> {
  constructor(private readonly w: SimWorld) {
    super("userid", "staff");
  }

  add(input: { userid: string; name: string; department?: number[]; consoleWelcome?: boolean }): Staff {
    if (!USERID_RE.test(input.userid)) throw new SimError(400, `userid must be 1-64 chars of [A-Za-z0-9._@-]: ${input.userid}`);
    if (this.byId.has(input.userid)) throw new SimError(409, `staff ${input.userid} already exists`);
    const staff: Staff = {
      userid: input.userid,
      name: input.name,
      department: input.department?.length ? input.department : [1],
      status: "active",
      consoleWelcome: input.consoleWelcome ?? false,
      createdAt: this.w.clock.nowMs(),
    };
    this.byId.set(staff.userid, staff);
    return staff;
  }

  active(): Staff[] {
    return this.all().filter((s) => s.status === "active");
  }

  inDepartments(ids: readonly number[]): Staff[] {
    const wanted = new Set(ids);
    return this.active().filter((s) => s.department.some((d) => wanted.has(d)));
  }

  resign(userid: string): Staff {
    const staff = this.requireForSim(userid);
    if (staff.status === "resigned") throw new SimError(409, `${userid} has already resigned`);
    staff.status = "resigned";
    staff.resignedAt = this.w.clock.nowMs();
    return staff;
  }

  update(userid: string, patch: { name?: string; consoleWelcome?: boolean; department?: number[] }): Staff {
    const staff = this.requireForSim(userid);
    if (patch.name !== undefined) staff.name = patch.name;
    if (patch.consoleWelcome !== undefined) staff.consoleWelcome = patch.consoleWelcome;
    if (patch.department !== undefined) staff.department = patch.department;
    return staff;
  }
}
