"""Sending e-mail: the SMTP server named by the ANTHOLOGIE_MAIL_* settings, or none.

Every connection and reply has a timeout (MAIL_TIMEOUT), so a server that does not answer
costs a page a few seconds, never a hung request. A failure is raised as MailError with a
French sentence the share page shows as it is.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any


class MailError(Exception):
    """The message did not leave; str() says why, in French. `unreachable`: the server did
    not answer at all (another message now would wait for the same timeout)."""

    def __init__(self, reason: str, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    tls: str = ""  # "starttls", "ssl" or "" (none)
    timeout: float = 10.0


_TLS_WORDS = {
    "": "",
    "none": "",
    "false": "",
    "0": "",
    "starttls": "starttls",
    "true": "starttls",
    "1": "starttls",
    "ssl": "ssl",
    "tls": "ssl",
    "smtps": "ssl",
}


def mail_settings(config: Mapping[str, Any]) -> MailSettings | None:
    """The SMTP settings of this configuration, None when no MAIL_HOST is set."""
    host = str(config.get("MAIL_HOST") or "").strip()
    if not host:
        return None
    tls = _TLS_WORDS.get(str(config.get("MAIL_TLS") or "").strip().lower())
    if tls is None:
        raise ValueError(f"MAIL_TLS: {config.get('MAIL_TLS')!r} (starttls, ssl or none)")
    port = int(config.get("MAIL_PORT") or {"starttls": 587, "ssl": 465}.get(tls, 25))
    sender = str(config.get("MAIL_FROM") or "").strip() or f"anthologie@{host}"
    return MailSettings(
        host=host,
        port=port,
        sender=sender,
        user=str(config.get("MAIL_USER") or ""),
        password=str(config.get("MAIL_PASSWORD") or ""),
        tls=tls,
        timeout=float(config.get("MAIL_TIMEOUT") or 10),
    )


def compose(
    settings: MailSettings,
    to: str,
    subject: str,
    text: str,
    html: str,
    reply_to: str = "",
    language: str = "fr",
) -> EmailMessage:
    """A plain-text message with an HTML alternative."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the body, which resets Content-* headers
    return message


def deliver(settings: MailSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server, or raise MailError saying why not."""
    where = f"{settings.host}:{settings.port}"
    try:
        client: smtplib.SMTP
        if settings.tls == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"Le serveur de courriel {where} refuse l'identifiant {settings.user} : "
            f"{_reply(error.smtp_error)}"
        ) from error
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(
            f"{address} ({_reply(reply[1])})" for address, reply in error.recipients.items()
        )
        raise MailError(
            f"Le serveur de courriel {where} refuse le destinataire {refused}."
        ) from error
    except smtplib.SMTPSenderRefused as error:
        raise MailError(
            f"Le serveur de courriel {where} refuse l'expéditeur {error.sender} : "
            f"{_reply(error.smtp_error)}"
        ) from error
    except smtplib.SMTPResponseException as error:
        raise MailError(
            f"Le serveur de courriel {where} a répondu {error.smtp_code} : "
            f"{_reply(error.smtp_error)}"
        ) from error
    except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
        raise MailError(
            f"Le serveur de courriel {where} ne répond pas (délai de "
            f"{settings.timeout:g} s dépassé ou connexion coupée).",
            unreachable=True,
        ) from error
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            f"Le serveur de courriel {where} est injoignable : {error}", unreachable=True
        ) from error


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())
