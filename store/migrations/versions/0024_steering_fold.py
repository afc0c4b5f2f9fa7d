"""steering_daily: an index over the rows still spread over slots (PostgreSQL)

``store.steering_fold`` moves the slots of past days into slot 0 once an hour; this partial
index lets it find the few rows left to fold without reading the whole table.

Revision ID: 0024_steering_fold
Revises: 0023_batch_progress
"""
from alembic import op

revision = '0024_steering_fold'
down_revision = '0023_batch_progress'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_steering_daily_slots ON steering_daily (day) WHERE slot <> 0")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_steering_daily_slots")
