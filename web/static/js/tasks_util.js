// What the task page's modules share: unit names, keys, and wall-clock time in the unit's zone.
import { formatTime, page } from "./common.js";

export const me = page.unit.code;
export const ms = (iso) => (iso ? new Date(iso).getTime() : Infinity);
export const unitOf = (code) => (page.task_units && page.task_units[code]) || null;
export function unitName(code) {
  const u = unitOf(code);
  return u ? (page.lang === "en" && u.name_en) || u.name : code;
}
export const data = (attrs = {}) => ({ ...attrs, "data-i18n-data": "1" });  // what people typed: stays as written


// Wall-clock time in the unit's zone (page.tz), both ways: for the due input and the stats period.
export function zoned(date) {
  const [d, t] = formatTime(date.toISOString(), undefined, true).split(" ");
  const [y, m, day] = d.split("-").map(Number);
  const [h, mi, sec] = t.split(":").map(Number);
  return { y, m, d: day, h, mi, s: sec };
}
export function fromZoned(y, m, d, h = 0, mi = 0) {
  const want = Date.UTC(y, m - 1, d, h, mi);
  let guess = want;
  for (let i = 0; i < 2; i += 1) {
    const p = zoned(new Date(guess));
    guess += want - Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  }
  return new Date(guess);
}
export const wallInput = (iso) => formatTime(iso).replace(" ", "T");  // for <input type="datetime-local">
export function wallToIso(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  return m ? fromZoned(+m[1], +m[2], +m[3], +m[4], +m[5]).toISOString() : null;
}
