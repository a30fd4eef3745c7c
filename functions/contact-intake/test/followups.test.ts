import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { welcomeRequestOf } from "../src/domain/callback.ts";
import { ERRCODE_INVALID_TAG, FOLLOWUP_MAX_ATTEMPTS, followupDelaySeconds, planFollowup, splitMissingTags } from "../src/domain/followups.ts";
import { intakeWelcomeOutcome } from "../src/domain/welcome.ts";

const now = new Date("2026-03-02T02:00:00Z");

describe("planFollowup", () => {
  it("retries a transient tag failure with backoff and shows it pending", () => {
    const plan = planFollowup("tags", 0, { errcode: 45009, transient: true }, now);
    expect(plan).toEqual({
      action: "retry",
      attempt: 1,
      delaySeconds: 5,
      checkTags: false,
      tagStatus: { status: "pending", attempt: 1, errcode: 45009, nextAttemptAt: "2026-03-02T02:00:05.000Z" },
    });
  });

  it("gives up after the last try, with the errcode", () => {
    expect(planFollowup("tags", FOLLOWUP_MAX_ATTEMPTS, { errcode: -1, transient: true, errmsg: "busy" }, now)).toEqual({
      action: "give-up",
      tagStatus: { status: "failed", errcode: -1, errmsg: "busy", at: now.toISOString() },
    });
    expect(planFollowup("profile", FOLLOWUP_MAX_ATTEMPTS, { errcode: -2, transient: true }, now)).toEqual({ action: "give-up" });
  });

  it("fails a tag answer about the input at once, and never retries a profile refusal", () => {
    expect(planFollowup("tags", 0, { errcode: 48002, transient: false }, now)).toMatchObject({ action: "give-up", tagStatus: { status: "failed", errcode: 48002 } });
    expect(planFollowup("profile", 0, { errcode: 84061, transient: false }, now)).toEqual({ action: "give-up" });
  });

  it("a missing tag (40068) is retried at once, checking which tags still exist", () => {
    expect(planFollowup("tags", 0, { errcode: ERRCODE_INVALID_TAG, transient: false }, now)).toMatchObject({ action: "retry", attempt: 1, delaySeconds: 0, checkTags: true });
    // not for a profile, where 40068 means nothing
    expect(planFollowup("profile", 0, { errcode: ERRCODE_INVALID_TAG, transient: false }, now)).toEqual({ action: "give-up" });
  });

  it("is bounded: every chain of failures ends within FOLLOWUP_MAX_ATTEMPTS tries, with growing delays within SQS's 900 s (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("tags" as const, "profile" as const),
        fc.array(fc.record({ errcode: fc.constantFrom(-2, -1, 45009, 45033, 40068, 48002, 60111), transient: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        (kind, failures) => {
          let attempt = 0;
          let last = -1;
          for (const f of failures) {
            const plan = planFollowup(kind, attempt, f, now);
            if (plan.action === "give-up") return;
            expect(plan.attempt).toBe(attempt + 1);
            expect(plan.attempt).toBeLessThanOrEqual(FOLLOWUP_MAX_ATTEMPTS);
            expect(plan.delaySeconds).toBeLessThanOrEqual(900);
            if (!plan.checkTags) {
              expect(plan.delaySeconds).toBeGreaterThan(last);
              last = plan.delaySeconds;
            }
            attempt = plan.attempt;
          }
          expect(attempt).toBeLessThanOrEqual(FOLLOWUP_MAX_ATTEMPTS);
        },
      ),
    );
    expect([1, 2, 3, 4, 5].map(followupDelaySeconds)).toEqual([5, 15, 45, 135, 405]);
  });

  it("splitMissingTags keeps the order of what still exists", () => {
    expect(splitMissingTags(["a", "b", "c"], ["c", "a"])).toEqual({ keep: ["a", "c"], missing: ["b"] });
  });
});

describe("the welcome lane", () => {
  const add = {
    kind: "change_external_contact" as const,
    changeType: "add_external_contact" as const,
    userId: "liming",
    externalUserId: "wm1",
    state: "poster#1",
    welcomeCode: "WC",
    createTime: now,
    dedupeKey: "k",
    corpId: "ww",
  };

  it("takes adds and confirmations with a WelcomeCode, whatever their state", () => {
    expect(welcomeRequestOf(add as never, "k")).toEqual({ addKey: "k", userId: "liming", externalUserId: "wm1", state: "poster#1", welcomeCode: "WC", createTime: now });
    expect(welcomeRequestOf({ ...add, changeType: "add_half_external_contact" } as never, "k")?.welcomeCode).toBe("WC");
  });

  it("leaves adds without a code, and every other event, to the intake consumer", () => {
    expect(welcomeRequestOf({ ...add, welcomeCode: undefined } as never, "k")).toBeUndefined();
    expect(welcomeRequestOf({ ...add, changeType: "del_follow_user" } as never, "k")).toBeUndefined();
    expect(welcomeRequestOf({ kind: "unknown", raw: "<xml/>", dedupeKey: "k" } as never, "k")).toBeUndefined();
  });

  it("the intake consumer records only no-code", () => {
    expect(intakeWelcomeOutcome({ createTime: now }, new Date(now.getTime() + 300))).toEqual({ status: "no-code", latencyMs: 300 });
    expect(intakeWelcomeOutcome({ createTime: now, welcomeCode: "WC" }, now)).toBeUndefined();
    expect(intakeWelcomeOutcome(undefined, now)).toBeUndefined();
  });
});
