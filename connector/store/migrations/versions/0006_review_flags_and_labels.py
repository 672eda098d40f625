"""review flags and labels

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

A lead the model suspects of being junk, without being sure enough to call it so,
is kept as a genuine lead with the suspected category in `review`. `lead_labels`
holds the verdicts people give (`connector label`) and those Salesforce outcomes
imply, which judge the lead from then on and teach the model the business.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=20), nullable=True))
    op.create_table(
        'lead_labels',
        sa.Column('id', _Id, primary_key=True),
        sa.Column('lead_id', _Id, sa.ForeignKey('leads.id'), nullable=False, index=True),
        sa.Column('category', sa.String(length=20), nullable=True),
        sa.Column('temperature', sa.String(length=10), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('lead_labels')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('review')
