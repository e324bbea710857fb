from castle.adapters.postgres.pool import iam_auth_kwargs
from castle.settings import Settings


def test_iam_auth_mints_a_fresh_rds_token_as_the_password_of_each_connection() -> None:
    settings = Settings(
        database_url="postgresql://castle_app@proxy.example.internal:5432/castle?sslmode=require",
        database_iam_auth=True,
    )
    kwargs = iam_auth_kwargs(settings)()
    assert kwargs["autocommit"] is False
    token = kwargs["password"]
    assert token.startswith("proxy.example.internal:5432/?Action=connect")
    assert "DBUser=castle_app" in token
