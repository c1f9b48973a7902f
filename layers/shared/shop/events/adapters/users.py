"""Customers' e-mail addresses: the Cognito user pool's `email` attribute, found by the token's `sub`."""

from shop.common.clients import aws_client


class CognitoDirectory:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    def email_of(self, user_id: str) -> str | None:
        # The user id is the `sub`, which a user's name need not be: ListUsers finds it by attribute.
        if '"' in user_id or "\\" in user_id:
            return None
        users = aws_client("cognito-idp").list_users(
            UserPoolId=self.user_pool_id, Filter=f'sub = "{user_id}"', Limit=1, AttributesToGet=["email"]
        )["Users"]
        for user in users:
            for attribute in user.get("Attributes", []):
                if attribute["Name"] == "email" and attribute.get("Value"):
                    return str(attribute["Value"])
        return None


class LocalDirectory:
    """The local stack has no user pool; its token issuer names users freely, so `alice` is `alice@<domain>`."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def email_of(self, user_id: str) -> str | None:
        return f"{user_id}@{self.domain}" if user_id and "@" not in user_id else None
