from datetime import date
from tests.support.web import signed_in
from tests.support.world import AO

def test_smoke(db, world):
    upn = world.pupil()
    world.marks(upn, date(2025, 9, 3), date(2025, 11, 19), {date(2025, 11, 10): "O"})
    with signed_in(db, AO, date(2025, 11, 20)) as client:
        r = client.get(f"/pupils/{upn}", headers={"hx-request": "true", "hx-target": "register"})
        open("/tmp/smoke/block.html", "w").write(r.text)
        assert r.status_code == 200, r.text[:3000]
        assert "<main" not in r.text
