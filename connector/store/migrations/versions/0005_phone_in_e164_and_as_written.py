"""phone in E.164 and as written

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

A lead's phone is now stored in E.164 and the number as the visitor wrote it beside
it. Leads stored before keep their number as written in the new column, and their
phone becomes the E.164 form the enrichment already worked out for them (unchanged
where it could not be read), so old and new rows read alike.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_leads = sa.table('leads', sa.column('id', sa.Integer), sa.column('phone', sa.String),
                  sa.column('phone_as_written', sa.String), sa.column('enrichment', sa.JSON))
_CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_as_written', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    last_id = 0
    while True:
        # In chunks by id: the JSON has to be read in Python on both databases.
        rows = connection.execute(
            sa.select(_leads.c.id, _leads.c.phone, _leads.c.enrichment)
            .where(_leads.c.id > last_id, _leads.c.phone.is_not(None))
            .order_by(_leads.c.id).limit(_CHUNK)).all()
        if not rows:
            return
        for lead_id, phone, enrichment in rows:
            e164 = (enrichment or {}).get('phone_e164') if isinstance(enrichment, dict) else None
            connection.execute(_leads.update().where(_leads.c.id == lead_id)
                               .values(phone=e164 or phone, phone_as_written=phone))
        last_id = rows[-1][0]


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(_leads.update().where(_leads.c.phone_as_written.is_not(None))
                       .values(phone=_leads.c.phone_as_written))
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('phone_as_written')
