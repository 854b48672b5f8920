"""A small OpenID Connect provider for tests, on a free loopback port (test code only).

It serves discovery, a JWKS (an RSA key made with `cryptography`), /authorize (approves `identity`, the test's
person, at once and redirects back with a code, keeping state and nonce and checking PKCE), /token (an RS256 id_token
signed with PyJWT) and /userinfo. django-allauth talks to it over real HTTP, as it would to Entra ID.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class LocalIdentityProvider:
    def __init__(self, client_id: str = "lofte", client_secret: str = "hemlighet") -> None:  # noqa: S107
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.identity: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalIdentityProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> str:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            raise ValueError("wrong client or response type")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"query": query, "identity": dict(self.identity)}
        back = {"code": code, "state": query.get("state", "")}
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str) -> dict[str, Any]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, secret = base64.b64decode(authorization[6:]).decode().split(":", 1)
        if (client_id, secret) != (self.client_id, self.client_secret):
            raise PermissionError("wrong client")
        grant = self.codes.pop(form.get("code", ""))  # single use
        query = grant["query"]
        if form.get("redirect_uri") != query["redirect_uri"]:
            raise PermissionError("wrong redirect_uri")
        if "code_challenge" in query:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != query["code_challenge"]:
                raise PermissionError("wrong PKCE verifier")
        identity = grant["identity"]
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, **identity}
        if "nonce" in query:
            claims["nonce"] = query["nonce"]
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = identity
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def userinfo(self, authorization: str) -> dict[str, Any]:
        identity = self.tokens[authorization.removeprefix("Bearer ")]
        return {key: value for key, value in identity.items() if key not in {"amr", "acr"}}


def _handler(idp: LocalIdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            try:
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, idp.discovery())
                elif url.path == "/jwks":
                    self._json(200, idp.jwks())
                elif url.path == "/authorize":
                    query = {key: values[0] for key, values in parse_qs(url.query).items()}
                    self.send_response(302)
                    self.send_header("Location", idp.authorize(query))
                    self.end_headers()
                elif url.path == "/userinfo":
                    self._json(200, idp.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._json(404, {"error": "not_found"})
            except (KeyError, ValueError):
                self._json(400, {"error": "invalid_request"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            try:
                self._json(200, idp.token(form, self.headers.get("Authorization", "")))
            except (KeyError, PermissionError):
                self._json(400, {"error": "invalid_grant"})

    return Handler
