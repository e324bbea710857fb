"""Cognito for the local UI: sign-up, log-in and refresh against moto's user pool.

The hosted UI does not exist locally, so `/v1/auth/*` on the gateway calls the Cognito API the way the
browser's SDK would. Sign-up confirms the user at once (no e-mail locally) and then runs the pool's
PostConfirmation trigger functions, which moto does not invoke by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from castle_local.lambda_router import LambdaRouter
from castle_local.template import Template


@dataclass(frozen=True)
class UserPool:
    pool_logical_id: str
    pool_id: str
    client_id: str
    jwks_url: str


def user_pool(template: Template) -> UserPool | None:
    """The first user pool of the template and a client of it (the one the web UI uses)."""
    for client in template.of_type("AWS::Cognito::UserPoolClient"):
        attrs = template.physical.get(client.logical_id)
        pool_ref = template.resolve(client.properties.get("UserPoolId")) if attrs else None
        for pool in template.of_type("AWS::Cognito::UserPool"):
            pool_attrs = template.physical.get(pool.logical_id)
            if attrs and pool_attrs and pool_attrs["Ref"] == pool_ref:
                return UserPool(pool.logical_id, pool_attrs["Ref"], attrs["ClientId"], pool_attrs["JwksUrl"])
    return None


class AuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CognitoProxy:
    def __init__(self, template: Template, router: LambdaRouter, pool: UserPool, client: Any) -> None:
        self.template = template
        self.router = router
        self.pool = pool
        self.client = client

    def tokens(self, username: str, password: str) -> dict[str, Any]:
        try:
            result = self.client.initiate_auth(
                ClientId=self.pool.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )["AuthenticationResult"]
        except ClientError as exc:
            raise AuthError(
                401, exc.response["Error"].get("Message", "Incorrect username or password.")
            ) from exc
        return {
            "idToken": result["IdToken"],
            "accessToken": result["AccessToken"],
            "refreshToken": result.get("RefreshToken"),
            "expiresIn": result.get("ExpiresIn", 3600),
        }

    def sign_up(self, username: str, password: str) -> dict[str, Any]:
        """Create, confirm, run PostConfirmation triggers, and log in."""
        try:
            self.client.sign_up(
                ClientId=self.pool.client_id,
                Username=username,
                Password=password,
                UserAttributes=[{"Name": "email", "Value": username}] if "@" in username else [],
            )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            status = 409 if code == "UsernameExistsException" else 400
            raise AuthError(status, exc.response["Error"].get("Message", code)) from exc
        self.client.admin_confirm_sign_up(UserPoolId=self.pool.pool_id, Username=username)
        self.post_confirmation(username)
        return self.tokens(username, password)

    def post_confirmation(self, username: str) -> None:
        user = self.client.admin_get_user(UserPoolId=self.pool.pool_id, Username=username)
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        attributes["cognito:user_status"] = "CONFIRMED"
        event = {
            "version": "1",
            "region": self.template.region,
            "userPoolId": self.pool.pool_id,
            "userName": user["Username"],
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": self.pool.client_id},
            "triggerSource": "PostConfirmation_ConfirmSignUp",
            "request": {"userAttributes": attributes},
            "response": {},
        }
        for trigger in self.template.cognito_triggers():
            if trigger.trigger == "PostConfirmation" and trigger.user_pool_id == self.pool.pool_logical_id:
                self.router.invoke(trigger.function_id, event)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        try:
            result = self.client.initiate_auth(
                ClientId=self.pool.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )["AuthenticationResult"]
        except ClientError as exc:
            raise AuthError(401, "Refresh token is not valid.") from exc
        return {
            "idToken": result["IdToken"],
            "accessToken": result["AccessToken"],
            "refreshToken": refresh_token,
            "expiresIn": result.get("ExpiresIn", 3600),
        }

    def handle(self, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The /v1/auth/<action> endpoints: signup, login, refresh, config."""
        try:
            if action == "config":
                return 200, {"userPoolId": self.pool.pool_id, "clientId": self.pool.client_id}
            if action == "refresh":
                return 200, self.refresh(str(body.get("refreshToken", "")))
            username = str(body.get("username") or body.get("email") or "").strip()
            password = str(body.get("password") or "")
            if not username or not password:
                return 400, {"code": -1102, "msg": "username and password are required."}
            if action == "signup":
                return 200, self.sign_up(username, password)
            if action == "login":
                return 200, self.tokens(username, password)
        except AuthError as exc:
            return exc.status, {"code": -1002, "msg": exc.message}
        return 404, {"code": -1000, "msg": "Unknown endpoint."}
