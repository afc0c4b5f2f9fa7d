"""referral bodies: how they read in a sentence (nominative, accusative)

Revision ID: 0016_referral_phrases
Revises: 0015_component_status
"""
from alembic import op
import sqlalchemy as sa

revision = '0016_referral_phrases'
down_revision = '0015_component_status'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral_bodies') as batch:
        batch.add_column(sa.Column('phrase', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('phrase_accusative', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referral_bodies') as batch:
        batch.drop_column('phrase_accusative')
        batch.drop_column('phrase')
