"""The demo jurisdiction (CONTRACT.md): 赣州市, its 18 county-level units and 赣州经开区, with duty
rooms, rescue teams, a warehouse and shelters each, and the demo users. Loading is idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.auth import passwords
from core.auth import service as auth
from core.auth.models import User
from core.db import Database
from core.units import service as units
from core.units.models import Facility, Unit

DEMO_PASSWORD = "demo-2026"
CITY = ("360700", "赣州市", "Ganzhou", 25.831, 114.935)

# GB/T 2260 codes and names of the county-level units, with the county seat's approximate position.
COUNTIES: list[tuple[str, str, str, float, float]] = [
    ("360702", "章贡区", "Zhanggong District", 25.850, 114.921),
    ("360703", "南康区", "Nankang District", 25.661, 114.765),
    ("360704", "赣县区", "Ganxian District", 25.861, 115.011),
    ("360722", "信丰县", "Xinfeng County", 25.386, 114.922),
    ("360723", "大余县", "Dayu County", 25.401, 114.362),
    ("360724", "上犹县", "Shangyou County", 25.785, 114.551),
    ("360725", "崇义县", "Chongyi County", 25.682, 114.308),
    ("360726", "安远县", "Anyuan County", 25.137, 115.393),
    ("360728", "定南县", "Dingnan County", 24.784, 115.027),
    ("360729", "全南县", "Quannan County", 24.742, 114.531),
    ("360730", "宁都县", "Ningdu County", 26.470, 116.009),
    ("360731", "于都县", "Yudu County", 25.952, 115.415),
    ("360732", "兴国县", "Xingguo County", 26.338, 115.363),
    ("360733", "会昌县", "Huichang County", 25.600, 115.786),
    ("360734", "寻乌县", "Xunwu County", 24.963, 115.646),
    ("360735", "石城县", "Shicheng County", 26.326, 116.346),
    ("360781", "瑞金市", "Ruijin City", 25.886, 116.027),
    ("360783", "龙南市", "Longnan City", 24.911, 114.790),
    # Not a GB/T 2260 division: a county-level functional zone with a local code.
    ("360771", "赣州经开区", "Ganzhou ETDZ", 25.815, 114.870),
]

CITY_AGENCIES: list[tuple[str, str, str]] = [
    ("360700-YJJ", "赣州市应急管理局", "Ganzhou Emergency Management Bureau"),
    ("360700-SLJ", "赣州市水利局", "Ganzhou Water Resources Bureau"),
    ("360700-ZRZY", "赣州市自然资源局", "Ganzhou Natural Resources Bureau"),
    ("360700-QXJ", "赣州市气象局", "Ganzhou Meteorological Bureau"),
    ("360700-LYJ", "赣州市林业局", "Ganzhou Forestry Bureau"),
    ("360700-WJW", "赣州市卫生健康委员会", "Ganzhou Health Commission"),
    ("360700-XF", "赣州市消防救援支队", "Ganzhou Fire and Rescue Detachment"),
    ("360700-GAJ", "赣州市公安局", "Ganzhou Public Security Bureau"),
    ("360700-JTJ", "赣州市交通运输局", "Ganzhou Transport Bureau"),
    ("360700-MZJ", "赣州市民政局", "Ganzhou Civil Affairs Bureau"),
    ("360700-ZJJ", "赣州市住房和城乡建设局", "Ganzhou Housing and Urban-Rural Development Bureau"),
    ("360700-GXJ", "赣州市工业和信息化局", "Ganzhou Industry and Information Technology Bureau"),
    ("360700-STHJ", "赣州市生态环境局", "Ganzhou Ecology and Environment Bureau"),
    ("360700-CZJ", "赣州市财政局", "Ganzhou Finance Bureau"),
    ("360700-SWJ", "赣州市商务局", "Ganzhou Commerce Bureau"),
    ("360700-XCB", "中共赣州市委宣传部", "Publicity Department of the Ganzhou CPC Committee"),
    ("360700-TT", "中国铁塔赣州分公司", "China Tower, Ganzhou branch (emergency communications)"),
]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_GIVEN = ["建华", "海燕", "志强", "丽萍", "文斌", "晓东", "春梅", "国庆", "秀英", "永红", "立新", "红梅", "卫东",
          "德明", "雪莲", "俊杰", "思远", "晓燕", "正华", "宏伟"]


def person_name(i: int) -> str:
    return _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7) % len(_GIVEN)]


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    unit: str
    roles: tuple[str, ...]
    phone: str


def demo_users() -> list[DemoUser]:
    users = [DemoUser("admin", "系统管理员", CITY[0], ("admin",), "0797-8200000"),
             DemoUser("commander.360700", person_name(0), CITY[0], ("commander", "dispatcher"), "13907970000"),
             DemoUser("duty.360700", person_name(1), CITY[0], ("duty_officer",), "13907970101"),
             DemoUser("lead.360700", person_name(2), CITY[0], ("duty_leader",), "13907970102")]
    for i, (code, _name, *_rest) in enumerate(COUNTIES, start=1):
        users.append(DemoUser(f"duty.{code}", person_name(3 * i), code, ("duty_officer",), f"139079{i:02d}201"))
        users.append(DemoUser(f"lead.{code}", person_name(3 * i + 1), code, ("duty_leader",), f"139079{i:02d}202"))
    return users


async def load_demo(db: Database) -> dict[str, int]:
    """Create whatever of the demo is missing; returns counts of what was created."""
    created = {"units": 0, "users": 0, "facilities": 0}
    async with db.write() as uow:
        s = uow.session
        have_units = set((await s.execute(select(Unit.code))).scalars())
        have_users = set((await s.execute(select(User.username))).scalars())
        have_facilities = {(u, n) for u, n in (await s.execute(select(Facility.unit_code, Facility.name))).all()}

        async def unit(code: str, name: str, name_en: str, kind: str, parent: str | None,
                       lat: float | None = None, lon: float | None = None, sort: int = 0,
                       tz: str | None = None, phone: str | None = None) -> None:
            if code in have_units:
                return
            await units.create_unit(uow, by=None, code=code, name=name, name_en=name_en, kind=kind, parent=parent,
                                    lat=lat, lon=lon, sort=sort, tz=tz, phone=phone)
            have_units.add(code)
            created["units"] += 1

        async def facility(unit_code: str, kind: str, name: str, lat: float, lon: float, **kw: object) -> None:
            if (unit_code, name) in have_facilities:
                return
            await units.create_facility(uow, unit=unit_code, kind=kind, name=name, lat=lat, lon=lon, **kw)  # type: ignore[arg-type]
            created["facilities"] += 1

        code, name, name_en, lat, lon = CITY
        await unit(code, name, name_en, "city", None, lat, lon, tz="Asia/Shanghai", phone="0797-8200110")
        for i, (acode, aname, aen) in enumerate(CITY_AGENCIES):
            await unit(acode, aname, aen, "agency", code, lat, lon, sort=i)
        await unit(f"{code}-T01", "赣州市综合应急救援支队", "Ganzhou comprehensive rescue detachment", "team", code,
                   lat + 0.01, lon - 0.01, phone="0797-8200119")
        await unit(f"{code}-T02", "赣州市森林消防专业支队", "Ganzhou forest fire brigade", "team", code,
                   lat + 0.02, lon + 0.02, phone="0797-8200120")
        await facility(code, "duty_room", "赣州市应急管理局总值班室", lat, lon, phone="0797-8200110",
                       address="赣州市章贡区长征大道")
        await facility(code, "warehouse", "赣州市应急物资储备库", lat - 0.03, lon + 0.02, capacity=20000,
                       address="赣州市赣县区储潭")
        await facility(code, "shelter", "赣州市体育中心应急避难场所", lat + 0.01, lon + 0.01, capacity=30000)

        for i, (ccode, cname, cen, clat, clon) in enumerate(COUNTIES):
            await unit(ccode, cname, cen, "county", code, clat, clon, sort=i, phone=f"0797-83{i:02d}110")
            await unit(f"{ccode}-T01", f"{cname}综合应急救援大队", f"{cen} rescue team", "team", ccode,
                       clat + 0.005, clon + 0.004)
            await unit(f"{ccode}-T02", f"{cname}森林防火专业队", f"{cen} forest fire team", "team", ccode,
                       clat - 0.006, clon + 0.007)
            await facility(ccode, "duty_room", f"{cname}应急管理局值班室", clat, clon, phone=f"0797-83{i:02d}110")
            await facility(ccode, "warehouse", f"{cname}应急物资储备库", clat - 0.01, clon - 0.008,
                           capacity=3000)
            await facility(ccode, "shelter", f"{cname}体育场应急避难场所", clat + 0.008, clon - 0.005,
                           capacity=5000)
            await facility(ccode, "shelter", f"{cname}第一中学应急避难场所", clat - 0.004, clon + 0.009,
                           capacity=2000)

        # One hash for every demo user: argon2 is slow on purpose, and they share the password.
        shared_hash = passwords.hash_password(DEMO_PASSWORD)
        for du in demo_users():
            if du.username in have_users:
                continue
            await auth.create_user(uow, by=None, username=du.username, name=du.name, unit=du.unit,
                                   roles=list(du.roles), password_hash=shared_hash, phone=du.phone)
            created["users"] += 1
    return created
