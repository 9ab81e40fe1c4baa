"""What a handler learns from its request (who asks, from where, over HTTPS or not) and the audit entry it writes."""
from aiohttp import web

from assistant.web.config import AUDIT, CONFIG


def client_address(request: web.Request) -> str:
    """Who is asking: the peer, or behind the clinic's reverse proxy the address it forwarded."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if request.app[CONFIG].policy.behind_proxy and forwarded.strip():
        return forwarded.split(",")[-1].strip()  # the proxy's own entry: the only one it vouches for
    return request.remote or "-"


def over_https(request: web.Request) -> bool:
    config = request.app[CONFIG]
    proxied = config.policy.behind_proxy and request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    return config.secure_cookies or request.secure or proxied


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int,
               path: str = "/") -> None:
    """A cookie no script can read and no other site's request carries; Secure whenever served over HTTPS."""
    response.set_cookie(name, value, httponly=True, samesite="Strict", path=path, secure=over_https(request),
                        max_age=max_age)


def audit(request: web.Request, action: str, target=None, detail=None) -> None:
    """One audit entry for what this request did, by the logged-in member of staff or else a patient."""
    staff = request.get("staff")
    request.app[AUDIT].record(action, user=staff.username if staff else "patient",
                              address=client_address(request), target=target, detail=detail)
