"""Intents and channels can be added and retired: an intent's classifier keywords and example
phrases, and an ``active`` flag on both (a retired one keeps its label for the items it names)

Revision ID: 0030_intents_channels_added
Revises: 0029_steering_monthly
"""
from alembic import op
import sqlalchemy as sa

import store.models

revision = '0030_intents_channels_added'
down_revision = '0029_steering_monthly'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: small tables without triggers, and no batch copy needed.
    op.add_column('intents', sa.Column('keywords', store.models.JSONType, nullable=True))
    op.add_column('intents', sa.Column('examples', store.models.JSONType, nullable=True))
    op.add_column('intents', sa.Column('active', sa.Boolean(), nullable=False,
                                       server_default=sa.true()))
    op.add_column('channel_kinds', sa.Column('active', sa.Boolean(), nullable=False,
                                             server_default=sa.true()))


def downgrade() -> None:
    op.drop_column('channel_kinds', 'active')
    for column in ('active', 'examples', 'keywords'):
        op.drop_column('intents', column)
