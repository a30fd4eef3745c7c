import enUS from "antd/locale/en_US";
import type { Words } from "../i18n";
import { en as base } from "./base.en";
import { en as broadcasts } from "./broadcasts.en";
import { en as churn } from "./churn.en";
import { en as groupCodes } from "./groupCodes.en";
import { en as moments } from "./moments.en";
import { en as transfers } from "./transfers.en";

/** The console in English: its words and Ant Design's en_US locale, one chunk loaded on the toggle. */
export const words: Words = { ...base, ...groupCodes, ...moments, ...churn, ...broadcasts, ...transfers };
export const antdLocale = enUS;
