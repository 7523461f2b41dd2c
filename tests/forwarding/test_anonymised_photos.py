"""Partners receive only photos they may see, through the real SMTP sink (aiosmtpd) and the real
webhook sink: a photo whose automatic anonymisation failed is held back ("1 Foto zur Prüfung
zurückgehalten") until a caseworker has checked it; the photo a later ticket carries is the one
made unrecognisable (its pixels in the box differ from the upload), never the upload."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from app.extensions import db
from app.forwarding.outbox import FORWARD
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.photos.service import photo_storage
from app.reports.drafts import ContactDraft, PhotoUpload
from app.reports.models import ReportPhoto
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import (
    EDG_ADDRESS,
    FRIEDENSPLATZ,
    RESIDENT,
    deliveries,
    html_part,
    jpeg_attachments,
    text_part,
)
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    PAPIERKORB,
    edg_webhook,
    keep_departments,
    webhook_sink,
)
from tests.images import encode
from tests.inbox.support import login, token
from tests.web.support import de

HELD_BACK = "1 Foto zur Prüfung zurückgehalten"
# The box the caseworker draws (per cent) and the same in the 800 × 600 photo's pixels.
BOX = {"left": "25", "top": "25", "width": "30", "height": "40"}
INSIDE = (220, 170, 420, 390)  # within 200, 150 … 440, 390
OUTSIDE = (560, 0, 800, 120)  # far from the box and its padding


def pattern(cell: int) -> bytes:
    img = Image.new("RGB", (800, 600), (245, 245, 245))
    dark = Image.new("RGB", (cell, cell), (30, 30, 140))
    for top in range(0, 600, cell):
        for left in range((top // cell % 2) * cell, 800, 2 * cell):
            img.paste(dark, (left, top))
    return encode(img, "JPEG", quality=95)


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB")


def spread(img: Image.Image, box) -> float:
    return ImageStat.Stat(img.crop(box).convert("L")).stddev[0]


def difference(a: Image.Image, b: Image.Image, box) -> float:
    return ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box)).convert("L")).mean[0]


def assert_anonymised_copy_of(sent: bytes, upload: bytes) -> None:
    """The photo sent is the upload with the box made unrecognisable: flat inside, the same
    elsewhere (up to JPEG re-encoding)."""
    original, received = decoded(upload), decoded(sent)
    assert received.size == original.size
    assert spread(original, INSIDE) > 60
    assert spread(received, INSIDE) < 15
    assert difference(original, received, INSIDE) > 40
    assert difference(original, received, OUTSIDE) < 4


@pytest.fixture(autouse=True)
def _senders(app_ctx):
    load_all()


@pytest.fixture
def two_photos(make_report):
    """A report for EDG with two photos; the second one's automatic anonymisation failed."""
    first, second = pattern(10), pattern(14)

    def factory(category: str = "wilder-muell"):
        report = make_report(
            category,
            FRIEDENSPLATZ,
            description="Sperrmüll neben dem Brunnen.",
            photos=[PhotoUpload(first, "a.jpg"), PhotoUpload(second, "b.jpg")],
            contact=ContactDraft(email=RESIDENT, consent=True),
        )
        done, failed = report.photos
        done.anonymisation = "done"
        failed.anonymisation = "failed"  # as the intake records a detector that raised
        failed.is_public = False
        db.session.commit()
        return report, done, failed, second

    return factory


def check_by_hand(client, make_user, report, photo) -> ReportPhoto:
    """A caseworker of EDG draws the box on the held-back photo: it is checked now."""
    login(client, make_user("caseworker", ("edg",)))
    url = f"/inbox/reports/{report.reference}/photos/{photo.id}"
    response = client.post(f"{url}/boxes", data={"csrf_token": token(client, url), **BOX})
    assert response.status_code == 303
    db.session.rollback()
    return db.session.get(ReportPhoto, photo.id)


def forward_again(client, report) -> None:
    """ "Forward the ticket to EDG" on the report page: a new ticket, sent now."""
    csrf = token(client, f"/inbox/reports/{report.reference}")
    response = client.post(
        f"/inbox/reports/{report.reference}/forward",
        data={"csrf_token": csrf, "department": "edg"},
    )
    assert response.status_code == 303


def test_an_email_ticket_attaches_only_shareable_photos_and_says_what_it_held_back(
    client,
    smtp_server,
    two_photos,
    make_user,  # noqa: F811
):
    report, done, failed, upload = two_photos()
    done_bytes = photo_storage().open(done.storage_key)

    deliver_due()

    [message] = smtp_server.messages_to(EDG_ADDRESS)
    attached = [data for _name, data in jpeg_attachments(message)]
    assert attached == [done_bytes]  # not the one whose anonymisation failed
    assert photo_storage().open(failed.storage_key) not in attached
    for body in (text_part(message), html_part(message)):
        assert HELD_BACK in body
        assert de("%(n)d attached to this e-mail", n=1) in body

    # A caseworker checks it (a box by hand); the next ticket carries the photo as it is now.
    checked = check_by_hand(client, make_user, report, failed)
    assert checked.shareable
    forward_again(client, report)
    smtp_server.clear()
    deliver_due()

    [second] = smtp_server.messages_to(EDG_ADDRESS)
    attached = [data for _name, data in jpeg_attachments(second)]
    assert len(attached) == 2 and attached[0] == done_bytes
    assert attached[1] == photo_storage().open(checked.storage_key)
    assert attached[1] != upload
    assert_anonymised_copy_of(attached[1], upload)
    assert HELD_BACK not in text_part(second)


def test_a_webhook_ticket_links_only_shareable_photos_and_counts_the_others(
    client, edg_webhook, make_user, two_photos
):
    report, done, failed, upload = two_photos(PAPIERKORB)
    base = client.application.config["PUBLIC_BASE_URL"]

    deliver_due()

    [received] = edg_webhook.received
    body = received.json()
    assert body["photos_held_back"] == 1
    assert body["photos_held_back_note"] == HELD_BACK
    [link] = body["photos"]
    photo = client.get(link["url"].removeprefix(base))
    assert photo.status_code == 200
    assert photo.data == photo_storage().open(done.storage_key)

    checked = check_by_hand(client, make_user, report, failed)
    forward_again(client, report)
    deliver_due()

    assert len(edg_webhook.received) == 2
    body = edg_webhook.received[-1].json()
    assert body["photos_held_back"] == 0 and body["photos_held_back_note"] is None
    assert [p["width"] for p in body["photos"]] == [800, 800]
    sent = client.get(body["photos"][1]["url"].removeprefix(base)).data
    assert sent == photo_storage().open(checked.storage_key)
    assert_anonymised_copy_of(sent, upload)
    assert len(deliveries(FORWARD, report)) == 2


def test_a_photo_link_signed_before_the_box_shows_nothing_after_it(
    client, edg_webhook, make_user, make_report
):
    upload = pattern(10)
    report = make_report(PAPIERKORB, FRIEDENSPLATZ, photos=[PhotoUpload(upload, "a.jpg")])
    deliver_due()
    [link] = edg_webhook.received[0].json()["photos"]
    base = client.application.config["PUBLIC_BASE_URL"]
    assert client.get(link["url"].removeprefix(base)).data == photo_storage().open(
        report.photos[0].storage_key
    )

    check_by_hand(client, make_user, report, report.photos[0])

    # The old file is gone and the link named it: the partner cannot fetch the upload any more.
    assert client.get(link["url"].removeprefix(base)).status_code == 404


# --- with the intake's real detector --------------------------------------------------------------


def test_the_detectors_anonymised_photo_is_what_the_email_and_the_webhook_carry(
    client,
    smtp_server,  # noqa: F811
    make_report,
    webhook_sink,  # noqa: F811
    keep_departments,  # noqa: F811
    monkeypatch,
):
    """The astronaut's portrait (scikit-image, public domain) and a rendered German plate go
    through the intake: the detector's boxes are pixelated in what the partners get."""
    from tests.photos import scenes

    portrait, street = scenes.astronaut(), scenes.plate_scene(seed=7, plate_width=300)
    uploads = [encode(s.image, "JPEG", quality=92) for s in (portrait, street)]
    report = make_report(
        "wilder-muell",
        FRIEDENSPLATZ,
        photos=[PhotoUpload(data, f"{i}.jpg") for i, data in enumerate(uploads)],
    )
    face_photo, plate_photo = report.photos
    assert (face_photo.anonymisation, plate_photo.anonymisation) == ("done", "done")
    face = next(b for b in face_photo.boxes if b["kind"] == "face")
    plate = next(b for b in plate_photo.boxes if b["kind"] == "plate")

    deliver_due()
    [message] = smtp_server.messages_to(EDG_ADDRESS)
    attached = [data for _name, data in jpeg_attachments(message)]
    assert len(attached) == 2 and HELD_BACK not in text_part(message)
    for sent, upload, box in ((attached[0], uploads[0], face), (attached[1], uploads[1], plate)):
        original, received = decoded(upload), decoded(sent)
        region = (box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"])
        shrunk = original.resize(received.size)  # the pipeline keeps at most 2000 px
        assert difference(shrunk, received, region) > 10  # the face, the plate: gone
        assert spread(received, region) < spread(shrunk, region)

    # The same photos by webhook: the links open the anonymised files, not the uploads.
    from tests.forwarding.partner_helpers import SECRET, SECRET_ENV, configure

    load_all()
    monkeypatch.setenv(SECRET_ENV, SECRET)
    configure("edg", "webhook", {"url": f"{webhook_sink.url}/hooks", "secret_env": SECRET_ENV})
    second = make_report(
        "wilder-muell", FRIEDENSPLATZ, photos=[PhotoUpload(uploads[0], "again.jpg")]
    )
    deliver_due()
    [received] = webhook_sink.received
    body = received.json()
    assert body["reference"] == second.reference and body["photos_held_back"] == 0
    base = client.application.config["PUBLIC_BASE_URL"]
    served = client.get(body["photos"][0]["url"].removeprefix(base)).data
    assert served == attached[0]  # the same anonymised file (content-addressed)
    assert served != uploads[0]
