/**
 * The limits contact-intake enforces before calling WeCom. `@siyu/wecom` did not export a limits table
 * when this was written; if it later does (e.g. `WECOM_LIMITS`), replace the WeCom entries here with it.
 *
 * Section numbers refer to /work/shared/wecom-reference.md ("§n") and DOMAIN.md.
 */

/** WeCom's own limits. Exceeding them makes the API call fail. */
export const WECOM = {
  /** §2: 「联系我」 `state` is at most 30 characters. */
  stateMaxChars: 30,
  /** §2: at most 100 users per contact way (errcode 41041). */
  contactWayMaxUsers: 100,
  /** §2: contact-way `remark` is at most 30 characters. */
  contactWayRemarkMaxChars: 30,
  /** §4: welcome `text.content` is at most 4000 bytes (UTF-8). */
  welcomeTextMaxBytes: 4000,
  /** §4: at most 9 attachments per welcome message. */
  welcomeMaxAttachments: 9,
  /** §4: link attachment `title` ≤ 128 bytes, `desc` ≤ 512 bytes. */
  linkTitleMaxBytes: 128,
  linkDescMaxBytes: 512,
  /** §4: miniprogram attachment `title` ≤ 64 bytes. */
  miniprogramTitleMaxBytes: 64,
  /** §4: a WelcomeCode is valid for 20 seconds after the add, and only once. */
  welcomeCodeTtlMs: 20_000,
  /** §6: a member can put at most 3000 tags on one customer. */
  tagsPerCustomerMax: 3000,
  /** §6: corp tag and tag group names are at most 30 characters. */
  corpTagNameMaxChars: 30,
  corpTagGroupNameMaxChars: 30,
  /** §6: at most 3000 corp tags per corp (errcode 40126). */
  corpTagsMax: 3000,
  /** §11: at most 100 customers per transfer_customer call. */
  transferBatchMax: 100,
  /** §11: `transfer_success_msg` ≤ 200 characters. */
  transferMessageMaxChars: 200,
  /** §11: at most 2 transfers per customer per 90 natural days (on-job transfer; errcode 40128). */
  transfersPerWindow: 2,
  transferWindowDays: 90,
  /** §11: the customer may refuse within 24 h; otherwise the transfer completes automatically. */
  transferAutoCompleteMs: 24 * 3_600_000,
} as const;

/**
 * Suggested daily passive-add caps per staff member (DOMAIN.md §1, seed 002; unofficial practitioner
 * guidance, wecom-reference §14 marks it UNCONFIRMED): new accounts ~200–400 passive adds a day,
 * aged high-weight accounts ~800–1000. The default is the safe end for a new account; operators
 * raise it per member.
 */
const SUGGESTED_DAILY_ADD_CAP = {
  newAccount: { min: 200, max: 400 },
  agedAccount: { min: 800, max: 1000 },
} as const;

/** Siyu's own limits (product choices, not WeCom rules). */
export const SIYU = {
  /** Default daily add cap of a staff member on a channel: the new-account lower bound of the guidance. */
  defaultDailyAddCap: SUGGESTED_DAILY_ADD_CAP.newAccount.min,
  /**
   * Highest daily cap Siyu accepts: the top of the aged-account guidance. Above it an account is at
   * risk of restriction (DOMAIN.md: Siyu must never get a brand's accounts restricted).
   */
  maxDailyAddCap: SUGGESTED_DAILY_ADD_CAP.agedAccount.max,
  /** Rotation weights are positive integers up to this value. */
  maxWeight: 100,
  /** Channel name length (characters). */
  channelNameMaxChars: 64,
  /** Tags a channel applies on add (WeCom allows 3000 per customer; a channel needs far fewer). */
  channelMaxTags: 100,
  /** Random part of a Siyu-generated channel `state` (shortId length; ≤ WECOM.stateMaxChars). */
  channelStateLength: 10,
} as const;
