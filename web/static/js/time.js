// Wall-clock time in the unit's zone (page.tz), both ways, in one place: the time inputs (接报, 下达,
// 会商, 转派) and the statistics periods. Stored and sent as UTC; shown and typed in the unit's zone.
import { formatTime } from "./common.js";

/** The wall-clock fields of an instant in the unit's zone. */
export function zoned(date) {
  const [d, t] = formatTime(date.toISOString(), undefined, true).split(" ");
  const [y, m, day] = d.split("-").map(Number);
  const [h, mi, sec] = t.split(":").map(Number);
  return { y, m, d: day, h, mi, s: sec };
}

/** The instant whose wall clock in the unit's zone reads y-m-d h:mi (two steps settle any offset). */
export function fromZoned(y, m, d, h = 0, mi = 0) {
  const want = Date.UTC(y, m - 1, d, h, mi);
  let guess = want;
  for (let i = 0; i < 2; i += 1) {
    const p = zoned(new Date(guess));
    guess += want - Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  }
  return new Date(guess);
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})/;

/** "2026-11-24 03:50" (or "2026-11-24T03:50", 24-hour, the unit's zone) as a UTC ISO string; undefined when empty. */
export function localInputToIso(value) {
  const m = value ? WALL.exec(value.trim()) : null;
  return m ? fromZoned(+m[1], +m[2], +m[3], +m[4], +m[5]).toISOString() : undefined;
}

/** Now in the unit's zone as "2026-11-24 03:50", for the time inputs. */
export const nowLocalInput = () => formatTime(new Date().toISOString());

/** For <input type="datetime-local">: an instant as the unit's wall clock, and back (null when unreadable). */
export const wallInput = (iso) => formatTime(iso).replace(" ", "T");
export const wallToIso = (value) => localInputToIso(value) ?? null;
