"""items.urgent_guessed: urgent by the model's guess alone ("vielleicht dringend")

The classifier's urgency head is tuned for recall and alone is right for about one request in
four it marks, while the rules' triggers are right for nine in ten. Staff see the two apart:
the inbox marks a guessed urgency differently and can be filtered by it; a person or a routing
rule confirming the urgency clears the flag.

The backfill reads the urgent items' stored reasons: where every reason is the head's (its
label, as the classifier wrote it up to this revision), the urgency was a guess.

Revision ID: 0040_urgent_guessed
Revises: 0039_sqlite_whole_seconds
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0040_urgent_guessed'
down_revision = '0039_sqlite_whole_seconds'
branch_labels = None
depends_on = None

MODEL_LABEL = "Notlage (aus dem Zusammenhang erkannt)"  # classifier.urgency at this revision


def _guessed(reasons) -> bool:  # type: ignore[no-untyped-def]
    reasons = json.loads(reasons) if isinstance(reasons, str) else (reasons or [])
    return bool(reasons) and all(
        isinstance(r, dict) and bool(r.get("by_model", r.get("label") == MODEL_LABEL)) for r in reasons)


def upgrade() -> None:
    op.add_column('items', sa.Column('urgent_guessed', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, urgent_reasons FROM items WHERE urgent")).all()
    guessed = [{"id": item_id} for item_id, reasons in rows if _guessed(reasons)]
    if guessed:
        bind.execute(sa.text("UPDATE items SET urgent_guessed = true WHERE id = :id"), guessed)


def downgrade() -> None:
    op.drop_column('items', 'urgent_guessed')
