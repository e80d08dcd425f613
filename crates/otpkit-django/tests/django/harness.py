#!/usr/bin/env python3
"""A real django-otp, in-process, for otpkit-django's import tests.

Configures Django (no project, no manage.py) on the database named by `--db` and lets
django-otp's own model methods set the state of its devices at simulated instants.
Each subcommand prints exactly one JSON document on stdout; everything else (Django's
output, warnings) goes to stderr. See README.md next to this file.

    harness.py make   --db URL --now T
    harness.py codes  --db URL --at T
    harness.py verify --db URL --at T --pid PID --token TOKEN [--commit]
    harness.py mutate --db URL --now T

URL: `sqlite:///abs/path.sqlite3` or `postgres://user[:password]@host[:port]/dbname`.
T: Unix seconds (an integer).
"""

import argparse
import binascii
import contextlib
import datetime
import hashlib
import json
import re
import sys
from unittest import mock
from urllib.parse import unquote, urlparse

import django
from django.conf import settings

KINDS = ("totp", "hotp", "static", "email")
# A key shorter than RFC 4226's 128 bits (django-otp's 10-byte keys of old) is "legacy".
LEGACY_BELOW_BYTES = 16


# --- configuration -------------------------------------------------------------------


def database_settings(url):
    """Django's DATABASES["default"] for a `sqlite:///...` or `postgres://...` URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if parsed.netloc or not path.startswith("/"):
            raise SystemExit(f"--db: want sqlite:///absolute/path, got {url!r}")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    if parsed.scheme in ("postgres", "postgresql"):
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise SystemExit(f"--db: no database name in {url!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
        }
    raise SystemExit(f"--db: unsupported scheme in {url!r} (sqlite or postgres)")


def configure(db_url):
    settings.configure(
        DEBUG=False,
        SECRET_KEY="otpkit-django-harness",
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django_otp",
            "django_otp.plugins.otp_totp",
            "django_otp.plugins.otp_hotp",
            "django_otp.plugins.otp_static",
            "django_otp.plugins.otp_email",
        ],
        DATABASES={"default": database_settings(db_url)},
        TEMPLATES=[
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="otp@example.org",
        OTP_EMAIL_SENDER="otp@example.org",
    )
    django.setup()
    from django.db import connection

    # Connect before any clock is patched.
    connection.ensure_connection()


@contextlib.contextmanager
def frozen(t):
    """Django and django-otp see the instant `t` (Unix seconds) as now."""
    import django_otp.oath

    now = datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)
    with mock.patch("time.time", return_value=float(t)), mock.patch.object(
        django_otp.oath, "time", return_value=float(t)
    ), mock.patch("django.utils.timezone.now", return_value=now):
        yield


# --- reading devices -----------------------------------------------------------------


def models():
    from django_otp.plugins.otp_email.models import EmailDevice
    from django_otp.plugins.otp_hotp.models import HOTPDevice
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return {"totp": TOTPDevice, "hotp": HOTPDevice, "static": StaticDevice, "email": EmailDevice}


def all_devices():
    """(kind, device) for every device, by kind then id."""
    found = []
    for kind, model in models().items():
        found.extend((kind, d) for d in model.objects.select_related("user").order_by("id"))
    return found


def epoch(dt):
    return None if dt is None else dt.timestamp()


def key_bytes(key):
    """The key's bytes as django-otp decodes them, or None if it cannot."""
    if not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", key or ""):
        return None
    return binascii.unhexlify(key.encode())


def describe(kind, device):
    key = getattr(device, "key", None)
    raw = None if key is None else key_bytes(key)
    return {
        "pid": device.persistent_id,
        "kind": kind,
        "user": device.user.get_username(),
        "user_id": device.user_id,
        "name": device.name,
        "confirmed": device.confirmed,
        "key_hex_len": None if key is None else len(key),
        "legacy": raw is not None and len(raw) < LEGACY_BELOW_BYTES,
        "invalid_key": key is not None and raw is None,
        "throttling_failure_count": device.throttling_failure_count,
        "throttling_failure_timestamp": epoch(device.throttling_failure_timestamp),
        "drift": getattr(device, "drift", None),
        "last_t": getattr(device, "last_t", None),
        "counter": getattr(device, "counter", None),
        "tokens": (
            [t.token for t in device.token_set.order_by("id")] if kind == "static" else None
        ),
        "email": getattr(device, "email", None),
        "last_generated_timestamp": epoch(getattr(device, "last_generated_timestamp", None)),
        "step": getattr(device, "step", None),
        "t0": getattr(device, "t0", None),
        "digits": getattr(device, "digits", None),
        "tolerance": getattr(device, "tolerance", None),
        "created_at": epoch(device.created_at),
        "last_used_at": epoch(device.last_used_at),
    }


def users_json():
    from django.contrib.auth.models import User

    return {str(u.id): u.get_username() for u in User.objects.order_by("id")}


# --- make ----------------------------------------------------------------------------


def hexkey(label, nbytes=20):
    """A deterministic key of `nbytes` bytes, in hex."""
    return hashlib.sha256(label.encode()).hexdigest()[: 2 * nbytes]


def fmt(code, digits):
    return str(code).zfill(digits)


class Population:
    """Creates the devices, recording each verification django-otp was asked for."""

    def __init__(self, now):
        self.now = now
        self.events = []
        self.users = {}

    def verify(self, device, token, at, expect=None):
        with frozen(at):
            allowed, _ = device.verify_is_allowed()
            accepted = device.verify_token(token)
        self.events.append(
            {"pid": device.persistent_id, "at": at, "token": token,
             "allowed_before": allowed, "accepted": accepted}
        )
        if expect is not None and accepted != expect:
            raise SystemExit(f"django-otp: {device.persistent_id} {token!r} at {at}: {accepted}")
        device.refresh_from_db()
        return accepted

    def create(self, model, at=None, **fields):
        with frozen(self.now if at is None else at):
            return model.objects.create(**fields)

    def make_users(self):
        from django.contrib.auth.models import User

        if User.objects.exists():
            raise SystemExit("make: the database already has users; give it an empty one")
        for name in ("alice", "bob", "carol", "dave@example.org", "erin"):
            email = name if "@" in name else f"{name}@example.org"
            with frozen(self.now):
                self.users[name] = User.objects.create_user(name, email=email)


def make_totp(pop):
    from django_otp.oath import TOTP, hotp

    totp = models()["totp"]
    u, t = pop.users, pop.now
    pop.create(totp, user=u["alice"], name="Phone", key=hexkey("totp-alice-phone"))
    used = pop.create(totp, at=t - 400, user=u["alice"], name="Tablet", key=hexkey("totp-tablet"))
    code = TOTP(used.bin_key, drift=0)
    code.time = t - 300
    pop.verify(used, fmt(code.token(), 6), t - 300, expect=True)
    legacy = pop.create(totp, at=t - 700, user=u["bob"], name="Old phone",
                        key=hexkey("totp-bob-legacy", 10), tolerance=1)
    ahead = (t - 600) // 30 + 1
    pop.verify(legacy, fmt(hotp(legacy.bin_key, ahead, 6), 6), t - 600, expect=True)
    slow = pop.create(totp, at=t - 200, user=u["carol"], name="Hardware token",
                      key=hexkey("totp-carol-hw"), step=60, digits=8, t0=1000)
    at_step = (t - 120 - 1000) // 60
    pop.verify(slow, fmt(hotp(slow.bin_key, at_step, 8), 8), t - 120, expect=True)
    pop.create(totp, user=u["dave@example.org"], name="Not yet confirmed",
               key=hexkey("totp-dave-unconfirmed"), confirmed=False)
    gone = pop.create(totp, user=u["dave@example.org"], name="Deleted", key=hexkey("gone"))
    gone.delete()
    throttled = pop.create(totp, at=t - 60, user=u["bob"], name="Throttled phone",
                           key=hexkey("totp-bob-throttled"))
    for at in (t - 5, t - 4, t - 3):
        pop.verify(throttled, "000000" if at % 2 else "999999", at)
    broken = pop.create(totp, user=u["carol"], name="Broken key", key=hexkey("broken"))
    raw_key_update(broken, "abc")


def raw_key_update(device, key):
    """A key django-otp's forms would have refused: only raw SQL puts it there."""
    from django.db import connection

    table = connection.ops.quote_name(device._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET key = %s WHERE id = %s", [key, device.id])


def make_hotp(pop):
    from django_otp.oath import hotp

    model = models()["hotp"]
    u, t = pop.users, pop.now
    fob = pop.create(model, at=t - 900, user=u["alice"], name="Key fob", key=hexkey("hotp-fob"))
    # 0, 1, 2 in order, then 4 and 6 inside the default tolerance (5): the counter ends at 7.
    for i, counter in enumerate((0, 1, 2, 4, 6)):
        pop.verify(fob, fmt(hotp(fob.bin_key, counter, 6), 6), t - 800 + 60 * i, expect=True)
    old = pop.create(model, at=t - 900, user=u["bob"], name="Old fob",
                     key=hexkey("hotp-bob-legacy", 10))
    pop.verify(old, fmt(hotp(old.bin_key, 0, 6), 6), t - 500, expect=True)
    wide = pop.create(model, at=t - 900, user=u["carol"], name="Eight digits",
                      key=hexkey("hotp-carol"), tolerance=2, digits=8)
    pop.verify(wide, fmt(hotp(wide.bin_key, 2, 8), 8), t - 450, expect=True)
    broken = pop.create(model, user=u["dave@example.org"], name="Not hex", key=hexkey("nothex"))
    raw_key_update(broken, "zz" * 20)


STATIC_TOKENS = [
    "ABCD1234", "abc 123x", "tok_en!", "p@ss", "12345678", "12345678",
    "abcdefghijklmnop", "Ünïcode9", "used0001",
]


def make_static(pop):
    from django_otp.plugins.otp_static.models import StaticToken

    model = models()["static"]
    u, t = pop.users, pop.now
    backup = pop.create(model, at=t - 1000, user=u["alice"], name="Backup codes")
    for token in STATIC_TOKENS:
        StaticToken.objects.create(device=backup, token=token)
    pop.verify(backup, "used0001", t - 250, expect=True)
    pop.create(model, at=t - 1000, user=u["bob"], name="Empty")
    throttled = pop.create(model, at=t - 1000, user=u["carol"], name="Throttled backup")
    for token in ("r2d2c3po", "bb8bb8bb"):
        StaticToken.objects.create(device=throttled, token=token)
    for at in (t - 5, t - 4, t - 3):
        pop.verify(throttled, "wrong", at)


def make_email(pop):
    model = models()["email"]
    u, t = pop.users, pop.now
    valid_until = datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)
    pop.create(model, user=u["alice"], name="Work email", email="alice.work@example.net",
               valid_until=valid_until)
    pop.create(model, user=u["bob"], name="Account email", valid_until=valid_until)
    sent = pop.create(model, at=t - 100, user=u["carol"], name="Email (cooldown)",
                      valid_until=valid_until)
    with frozen(t - 10):
        message = sent.generate_challenge()
    pop.events.append({"pid": sent.persistent_id, "at": t - 10, "generate_challenge": message})


def cmd_make(args):
    from django.core import mail
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0, interactive=False)
    mail.outbox = []
    pop = Population(args.now)
    with transaction.atomic():
        pop.make_users()
        # Interleaved kinds so that ids overlap between kinds (totpdevice/1, staticdevice/1).
        make_static(pop)
        make_totp(pop)
        make_hotp(pop)
        make_email(pop)
    devices = [describe(kind, d) for kind, d in all_devices()]
    return {"devices": devices, "users": users_json(), "events": pop.events,
            "emails_sent": [m.to for m in mail.outbox]}


# --- codes, verify, mutate -----------------------------------------------------------


def throttle_at(device, at):
    with frozen(at):
        allowed, data = device.verify_is_allowed()
    data = data or {}
    reason = data.get("reason")
    return {
        "allowed": allowed,
        "reason": None if reason is None else reason.value,
        "failure_count": device.throttling_failure_count,
        "locked_until": epoch(data.get("locked_until")),
    }


def totp_codes(device, at):
    """A code django-otp accepts at `at` (the current step with drift, else the first
    later step within tolerance above last_t) and the code it last accepted."""
    from django_otp.oath import TOTP, hotp

    key = device.bin_key
    totp = TOTP(key, device.step, device.t0, device.digits, device.drift)
    totp.time = at
    current, code, step = totp.t(), None, None
    for t in range(current, current + device.tolerance + 1):
        if t > device.last_t:
            code, step = fmt(hotp(key, t, device.digits), device.digits), t
            break
    last = None
    if device.last_t >= 0:
        last = fmt(hotp(key, device.last_t, device.digits), device.digits)
    return {"code_at_t": code, "t": step, "current_t": current, "last_t": device.last_t,
            "last_accepted": last}


def hotp_codes(device):
    from django_otp.oath import hotp

    key, digits, counter = device.bin_key, device.digits, device.counter
    last = fmt(hotp(key, counter - 1, digits), digits) if counter > 0 else None
    return {"code_at_t": fmt(hotp(key, counter, digits), digits), "last_accepted": last}


def cmd_codes(args):
    from django.db import transaction

    out = []
    with transaction.atomic():
        for kind, device in all_devices():
            entry = {"pid": device.persistent_id, "kind": kind,
                     "code_at_t": None, "last_accepted": None}
            if kind in ("totp", "hotp"):
                if key_bytes(device.key) is None:
                    entry["error"] = "invalid key"
                else:
                    entry.update(totp_codes(device, args.at) if kind == "totp"
                                 else hotp_codes(device))
            entry["throttle"] = throttle_at(device, args.at)
            out.append(entry)
        transaction.set_rollback(True)
    return {"devices": out}


def cmd_verify(args):
    from django.db import transaction
    from django_otp.models import Device

    with transaction.atomic():
        device = Device.from_persistent_id(args.pid, for_verify=True)
        if device is None:
            raise SystemExit(f"verify: no device {args.pid!r}")
        result = {}
        try:
            with frozen(args.at):
                result["accepted"] = bool(device.verify_token(args.token))
        except (ValueError, TypeError, binascii.Error) as error:
            kind = f"{type(error).__module__}.{type(error).__name__}"
            result = {"accepted": False, "error": f"{kind}: {error}"}
        if not args.commit:
            transaction.set_rollback(True)
    return result


def cmd_mutate(args):
    from django.db import transaction
    from django_otp.oath import TOTP

    m, t = models(), args.now
    with transaction.atomic():
        tablet = m["totp"].objects.get(name="Tablet")
        totp = TOTP(tablet.bin_key, tablet.step, tablet.t0, tablet.digits, tablet.drift)
        totp.time = t
        with frozen(t):
            if not tablet.verify_token(fmt(totp.token(), tablet.digits)):
                raise SystemExit("mutate: django-otp refused the Tablet's code")
        fob = m["hotp"].objects.get(name="Key fob")
        fob.name = "Key fob (renamed)"
        fob.save(update_fields=["name"])
        bob = m["totp"].objects.filter(user__username="bob").first().user
        with frozen(t):
            new = m["totp"].objects.create(user=bob, name="New phone", key=hexkey("totp-new"))
    return {"changed": [tablet.persistent_id, fob.persistent_id], "added": [new.persistent_id]}


# --- command line --------------------------------------------------------------------


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, when in (("make", "--now"), ("codes", "--at"), ("verify", "--at"),
                       ("mutate", "--now")):
        cmd = sub.add_parser(name)
        cmd.add_argument("--db", required=True, help="sqlite:///abs/path or postgres://...")
        cmd.add_argument(when, type=int, required=True, help="Unix seconds")
        if name == "verify":
            cmd.add_argument("--pid", required=True)
            cmd.add_argument("--token", required=True)
            cmd.add_argument("--commit", action="store_true")
    return parser.parse_args(argv)


COMMANDS = {"make": cmd_make, "codes": cmd_codes, "verify": cmd_verify, "mutate": cmd_mutate}


def main(argv):
    args = parse(argv)
    stdout = sys.stdout
    # Nothing but the JSON document on stdout: anything Django prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        configure(args.db)
        result = COMMANDS[args.command](args)
    json.dump(result, stdout, ensure_ascii=False, sort_keys=False)
    stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
