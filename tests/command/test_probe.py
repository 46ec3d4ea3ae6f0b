import time
from command.intake.schemas import INTAKE_CREATE
from tests.command.helpers import Cmd


async def test_probe(cmd: Cmd) -> None:
    t = time.monotonic()
    res = await cmd.post("duty.360702", "/api/v1/intakes", INTAKE_CREATE["examples"][0])
    print(res.status_code, res.text[:500])
    inc = await cmd.incident(facts={"deaths": 3})
    print(inc)
    print(await cmd.incident_doc(inc["id"]))
    print(time.monotonic() - t)
