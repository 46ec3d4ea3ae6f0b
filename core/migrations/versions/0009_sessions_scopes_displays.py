"""server-side sessions; token kinds, scopes, expiry; hall display credentials

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.orm

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('created_at', core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.orm.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', core.orm.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), server_default='api', nullable=False))
        # Tokens from before scopes keep what they could do: read and write (admin only if asked anew).
        batch.add_column(sa.Column('scopes', core.orm.JSONType, server_default=sa.text("'[\"read\", \"write\"]'"),
                                   nullable=False))
        batch.add_column(sa.Column('expires_at', core.orm.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('unit_code', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('exchange_sha256', sa.String(length=64), nullable=True))
        batch.create_foreign_key(op.f('fk_api_tokens_unit_code_units'), 'units', ['unit_code'], ['code'])


def downgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_constraint(op.f('fk_api_tokens_unit_code_units'), type_='foreignkey')
        for col in ('exchange_sha256', 'unit_code', 'expires_at', 'scopes', 'kind'):
            batch.drop_column(col)
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
