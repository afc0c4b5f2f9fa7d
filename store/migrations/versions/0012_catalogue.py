"""the domain catalogue: offices (queues) in full, Kommune, referral bodies, intents, channel
kinds, document roles

Revision ID: 0012_catalogue
Revises: 0011_session_epoch
"""
from alembic import op
import sqlalchemy as sa
import store.models

revision = '0012_catalogue'
down_revision = '0011_session_epoch'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queues') as batch:
        batch.add_column(sa.Column('title', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('rechtskreis', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('follow_up', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('retention_basis', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('signature', sa.Text(), nullable=True))
        batch.add_column(sa.Column('contact', store.models.JSONType, nullable=True))
        batch.add_column(sa.Column('keywords', store.models.JSONType, nullable=True))
        batch.add_column(sa.Column('examples', store.models.JSONType, nullable=True))
        batch.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('kommune',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('ags', sa.String(length=12), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('postcodes', store.models.JSONType, nullable=False),
    sa.Column('gemeinden', store.models.JSONType, nullable=False),
    sa.Column('neighbours', store.models.JSONType, nullable=False),
    sa.Column('profile', sa.String(length=200), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('referral_bodies',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('handles', store.models.JSONType, nullable=False),
    sa.Column('hint', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('intents',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('channel_kinds',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('symbol', sa.String(length=16), nullable=True),
    sa.Column('trusted', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('document_roles',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('document_roles')
    op.drop_table('channel_kinds')
    op.drop_table('intents')
    op.drop_table('referral_bodies')
    op.drop_table('kommune')
    with op.batch_alter_table('queues') as batch:
        for column in ('position', 'examples', 'keywords', 'contact', 'signature',
                       'retention_basis', 'follow_up', 'rechtskreis', 'title'):
            batch.drop_column(column)
