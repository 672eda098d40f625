"""submission source and duplicates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of',
                                      sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_dedupe_key'), ['dedupe_key'], unique=False)
        batch_op.create_foreign_key('fk_submissions_duplicate_of', 'submissions',
                                    ['duplicate_of'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submissions_duplicate_of', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submissions_dedupe_key'))
        batch_op.drop_column('duplicate_of')
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('source')

