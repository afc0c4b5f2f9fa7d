"""A real, private Dovecot IMAP server for the tests (Debian ``dovecot-imapd``).

Dovecot refuses to run its login and mail processes as root, so they run as the package's own
``dovecot``/``dovenull`` users; the mail store lives in a world-traversable temp dir owned by
``dovecot``. Each server has its own config, base_dir and free loopback port.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
PASSWORD = "geheim"

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = eingang-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login answers at once: Dovecot delays it against guessing (2 s, then the address's
# penalty doubles up to 15 s, see the anvil service below). What is tested is our reaction to
# the refusal; the tests with wrong passwords waited seconds for each.
auth_failure_delay = 0
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = {uid}
last_valid_uid = {uid}
mail_location = maildir:{base}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
{oauth2_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


# XOAUTH2/OAUTHBEARER: every token is checked at the introspection URL (RFC 7662, POST); the
# answer's "username" must name the user logging in. Plain login stays with the password file.
OAUTH2_PASSDB = """\
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {base}/oauth2.conf
}}
"""
OAUTH2_CONF = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, users: list[str], oauth2_introspection_url: str | None = None) -> None:
        self.users = users
        self.oauth2_introspection_url = oauth2_introspection_url
        self.port = _free_port()
        self.base = Path(tempfile.mkdtemp(prefix="eingang-dovecot-"))
        self.config = self.base / "dovecot.conf"
        self.uid = pwd.getpwnam("dovecot").pw_uid
        self.gid = grp.getgrnam("dovecot").gr_gid

    def start(self) -> None:
        os.chmod(self.base, 0o755)
        for sub in ("mail", "home", "state"):
            (self.base / sub).mkdir()
            os.chown(self.base / sub, self.uid, self.gid)
        (self.base / "users").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}\n" for u in self.users))
        oauth2_passdb = ""
        if self.oauth2_introspection_url:
            (self.base / "oauth2.conf").write_text(OAUTH2_CONF.format(url=self.oauth2_introspection_url))
            oauth2_passdb = OAUTH2_PASSDB.format(base=self.base)
        config = CONFIG.format(
            base=self.base, port=self.port, uid=self.uid, gid=self.gid, oauth2_passdb=oauth2_passdb
        )
        if oauth2_passdb:  # OAUTH2_PASSDB brings its own auth_mechanisms line
            config = config.replace("auth_mechanisms = plain login\n", "", 1)
        self.config.write_text(config)
        # dovecot daemonises: it must not inherit pipes we would wait on
        subprocess.run(
            [DOVECOT, "-c", str(self.config)], check=True, timeout=30,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        subprocess.run(
            [DOVECOT, "-c", str(self.config), "stop"], timeout=30,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(user, PASSWORD)
        return client

    def deliver(self, user: str, message: bytes, folder: str = "INBOX") -> None:
        """A mail arrives (APPEND, as a delivery agent would put it there)."""
        with self.client(user) as client:
            client.append(folder, message)

    def uids(self, user: str, folder: str = "INBOX") -> list[int]:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def reset_uidvalidity(self, user: str, folder: str = "INBOX") -> None:
        """What a server migration or restore does: a new UIDVALIDITY and new UIDs."""
        uidvalidity = int(time.time()) + 1000
        subprocess.run(
            [DOVEADM, "-c", str(self.config), "mailbox", "update", "-u", user,
             "--uid-validity", str(uidvalidity), folder],
            check=True, capture_output=True, timeout=30,
        )


@contextmanager
def dovecot(users: list[str], oauth2_introspection_url: str | None = None):
    server = Dovecot(users, oauth2_introspection_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
