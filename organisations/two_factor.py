"""Two-factor sign-in (django-otp): a time-based code from an authenticator app, or a recovery code.

Who must use it: anyone holding a role that reaches confidential cases or the whole service
(`ROLES_NEEDING_TWO_FACTOR`), when `settings.TWO_FACTOR_REQUIRED` is on (the default unless
DJANGO_DEBUG=1, so the demo logins of `make run` still sign straight in).

- `require_two_factor` (middleware, after django-otp's OTPMiddleware) sends such a person, signed in
  with a password only, to the verification step (or to enrolment if they have no device yet);
  under /api/ it answers 403 in the error shape. Token requests are authenticated inside DRF and
  pass: a token can only be made from a verified session.
- `new_key`, `confirm_enrolment`, `verify` and `regenerate_recovery_codes` are the operations the
  pages call; enrolment, the use of a recovery code and a new set of them are audited.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from core import audit

ROLES_NEEDING_TWO_FACTOR = ("administrator", "coordinator", "caseworker", "panel_member")
RECOVERY_CODES = 10
APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"


def needs_two_factor(user: Any) -> bool:
    """Whether this person must pass a second factor before anything else (their roles today)."""
    return bool(getattr(settings, "TWO_FACTOR_REQUIRED", True)) and user.has_role(*ROLES_NEEDING_TWO_FACTOR)


class CodeForm(forms.Form):
    """The one field of both steps: a six-digit code, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class SetupForm(CodeForm):
    """Enrolment: the code, and the key offered on the page (signed, so the page writes nothing)."""

    key = forms.CharField(widget=forms.HiddenInput)

    def clean_key(self) -> str:
        try:
            return signing.loads(self.cleaned_data["key"], salt=KEY_SALT, max_age=KEY_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError("The key has expired: start again with the new key below.") from None


KEY_SALT = "organisations.two_factor.setup"
KEY_MAX_AGE = 15 * 60


def new_key() -> tuple[str, str]:
    """A fresh authenticator key: (hex key, signed form value). Nothing is stored until confirmed."""
    key = random_hex(20)
    return key, signing.dumps(key, salt=KEY_SALT)


def secret_of(key: str) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    text = base64.b32encode(bytes.fromhex(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def config_url(user: Any, key: str) -> str:
    """The otpauth:// link an authenticator app reads (what a QR code would hold)."""
    return TOTPDevice(user=user, name=APP_DEVICE, key=key).config_url


def confirm_enrolment(request: HttpRequest, key: str, code: str) -> list[str] | None:
    """Turn on two-factor sign-in with the key the app now holds; return the new recovery codes
    (None: the code does not match the key). Side effects: the person's earlier devices are
    replaced, the session is verified, audit event "enrol_two_factor"."""
    if not code.isdigit() or not TOTP(bytes.fromhex(key)).verify(int(code), tolerance=1):
        return None
    user = request.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, key=key, confirmed=True)
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
        audit.append(user, action="enrol_two_factor", actor=user, payload={"recovery_codes": RECOVERY_CODES})
    otp_login(request, device)
    return codes


def verify(request: HttpRequest, code: str) -> bool:
    """Check a code against the person's confirmed devices and mark the session verified.
    A recovery code works once (django-otp deletes it); its use is audited. Wrong codes slow
    further tries down (django-otp's throttling per device)."""
    device = match_token(request.user, code)
    if device is None:
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        audit.append(request.user, action="use_recovery_code", actor=request.user, payload={"codes_left": left})
    return True


def regenerate_recovery_codes(request: HttpRequest, code: str) -> list[str] | None:
    """A fresh set of recovery codes for a person with two-factor sign-in on, once they have entered
    a current code (from the app, or a recovery code); None when the code does not match. Side
    effects: every earlier recovery code stops working, audit event "regenerate_recovery_codes"
    (how many, never the codes)."""
    user = request.user
    with transaction.atomic():
        device = match_token(user, code)
        if device is None:
            return None
        StaticToken.objects.filter(device__user=user).delete()
        recovery, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True})
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
        audit.append(user, action="regenerate_recovery_codes", actor=user, payload={"recovery_codes": RECOVERY_CODES})
    return codes


def _allowed(path: str) -> bool:
    return path in (
        reverse("two-factor"),
        reverse("two-factor-setup"),
        reverse("logout"),
    ) or path.startswith(settings.STATIC_URL)


def require_two_factor(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and not _allowed(request.path)
            and needs_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                body = {
                    "status": 403,
                    "code": "two_factor_required",
                    "detail": "Finish signing in with your second factor on the website first.",
                    "fields": {},
                    "guards": [],
                }
                return JsonResponse(body, status=403)
            step = "two-factor" if user_has_device(user) else "two-factor-setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return get_response(request)

    return middleware


def next_url(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok and target else reverse(settings.LOGIN_REDIRECT_URL)
