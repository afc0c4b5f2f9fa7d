"""Registry of CLI commands: one module per command (group), added here once."""

from eingang.commands.appointments import termine
from eingang.commands.audit import audit
from eingang.commands.batches import stapel
from eingang.commands.check import check
from eingang.commands.classify import classify
from eingang.commands.config import config
from eingang.commands.counts import counts
from eingang.commands.db import db
from eingang.commands.evaluate import evaluate
from eingang.commands.export_person import export_person
from eingang.commands.fitconnect import fitconnect, fitconnect_keys
from eingang.commands.imap import imap
from eingang.commands.ingest import ingest
from eingang.commands.items import items, show
from eingang.commands.kommune import kommune
from eingang.commands.retention import retention
from eingang.commands.route import route
from eingang.commands.rules import rules
from eingang.commands.scanfolder import scan_folder
from eingang.commands.serve import serve, smtp, web, worker
from eingang.commands.smtp_password import smtp_password
from eingang.commands.train import train
from eingang.commands.users import users

COMMANDS = [config, db, serve, worker, smtp, imap, web, ingest, items, show, route, rules,
            classify, evaluate, train, scan_folder, termine, audit, retention, export_person,
            check, users, stapel, counts, smtp_password, kommune, fitconnect, fitconnect_keys]
