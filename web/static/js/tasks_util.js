// What the task page's modules share: who I am, times as numbers, the unit directory.
import { page, unitName } from "./common.js";

export const me = page.unit.code;
export const ms = (iso) => (iso ? new Date(iso).getTime() : Infinity);
export const unitOf = (code) => (page.task_units && page.task_units[code]) || null;
export { unitName };  // by code, from page.task_units (common.js)
export const data = (attrs = {}) => ({ ...attrs, "data-i18n-data": "1" });  // what people typed: stays as written


