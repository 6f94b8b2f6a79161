"""Schemathesis hooks for tests/contract.rs: the few refusals of schema-valid requests that no
OpenAPI schema can express, because they depend on another parameter or on the store's state.

Each is dropped only when the server refused with 400 and the message that names that reason;
any other refusal of a valid request still fails the run.
"""

import json

import schemathesis

# What the server says when it refuses a valid-looking request for one of those reasons.
INEXPRESSIBLE = (
    # `encoding=base64` makes the key in the path, `prefix`, `from`, `to`, `key` and `keys` base64.
    "is not valid base64",
    # `after` and `keys` are cursors this API answered: base64 of a key, whatever its length.
    "is not a cursor this API returned",
    # A revision the store has not reached yet is only known to etcd.
    "that revision is in the future",
    # `ttl`, `lease` and `keep_lease` are each optional, but at most one may be given.
    "give at most one of ttl, lease and keep_lease",
    # `compare_now` needs `revision`.
    "compare_now needs a past revision",
    # `q` in `mode=regex` or `mode=glob` must be a pattern of that kind.
    "is not a valid",
    # A base64 key, prefix or delimiter that decodes to nothing where one is needed.
    "must not be empty",
    # `confirm` must equal `prefix`; a copy's `to` must differ from `from`.
    "`confirm` must repeat `prefix` exactly",
    "the target is the source",
    # JSON Schema counts 1.0 as an integer; the server reads integers as JSON writes them, 1.
    "invalid type: floating point",
    # An optional header is typed nullable, and a null header goes out as the text `null`.
    "If-None-Match supports only",
    "If-Match must be a mod revision",
    # Each of `If-Match` and `If-None-Match` is optional, but not both at once.
    "use If-Match or If-None-Match, not both",
    # A peer URL's port is a number from 1 to 65535, which its pattern cannot say.
    "is no peer URL",
    # A user's or role's name is at most 128 bytes; its pattern counts characters.
    "name is at most 128 bytes",
    # A password is at most 72 bytes (bcrypt's); its schema counts characters.
    "password is at most 72 bytes",
    # A range of keys ends after it starts, and names its keys; `key` and `prefix` are each
    # optional, but one of them is needed.
    "The range is empty",
    "Name the key",
    "name the key",
    "Name the first key",
    "give either key or prefix",
)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 400:
        return True
    # A HEAD answer has no body to say why; a base64 key that is not base64 is the one reason.
    if case.method == "HEAD":
        return (case.query or {}).get("encoding") != "base64"
    try:
        message = json.loads(response.content)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return True
    return not any(reason in message for reason in INEXPRESSIBLE)
