"""audit trail (hash chain, append-only) and retention columns

Revision ID: 0004_audit_retention
Revises: 0003_appointments
"""
from alembic import op
import sqlalchemy as sa
import store.models
from sqlalchemy.dialects import postgresql

revision = '0004_audit_retention'
down_revision = '0003_appointments'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

_PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
"""

_SQLITE_GUARD = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('seq', _ID, autoincrement=False, nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('reference', sa.String(length=32), nullable=True),
    sa.Column('queue', sa.String(length=32), nullable=True),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('details', _JSON, nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('hash'),
    )
    op.create_index('ix_audit_at', 'audit_events', ['at'])
    op.create_index('ix_audit_actor_at', 'audit_events', ['actor', 'at'])
    op.create_index('ix_audit_item', 'audit_events', ['item_id'])
    op.create_index('ix_audit_action_at', 'audit_events', ['action', 'at'])
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(_PG_GUARD)
    else:
        for statement in _SQLITE_GUARD:
            op.execute(statement)

    with op.batch_alter_table('items') as batch:
        batch.add_column(sa.Column('closed_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('legal_hold', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('legal_hold_reason', sa.Text(), nullable=True))
        batch.create_index('ix_items_closed', ['closed_at'])
    # Items already done start their retention clock at their last change.
    op.execute("UPDATE items SET closed_at = updated_at WHERE status = 'done'")


def downgrade() -> None:
    with op.batch_alter_table('items') as batch:
        batch.drop_index('ix_items_closed')
        batch.drop_column('legal_hold_reason')
        batch.drop_column('legal_hold')
        batch.drop_column('closed_at')
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_table('audit_events')
