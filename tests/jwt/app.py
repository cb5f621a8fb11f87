"""A minimal app's JWT code as FastAPI and Flask apps write it with PyJWT:
the settings straight from the environment, sign a token, verify it.

Prints one line: `ok`, `warned <Warning>: <text>` (PyJWT signed and
verified but warned, e.g. InsecureKeyLengthWarning), or
`refused <Exception>: <text>`. Used by tests/jwt_reference.rs.
"""

import os
import time
import warnings

import jwt


def first(*names):
    for name in names:
        value = os.environ.get(name)
        if value is not None:
            return value
    return None


def main():
    algorithm = first("JWT_ALGORITHM", "ALGORITHM") or "HS256"
    if algorithm.startswith("HS"):
        key = first("JWT_SECRET_KEY", "JWT_SECRET", "SECRET_KEY")
        verify = key
    else:
        key = os.environ.get("JWT_PRIVATE_KEY")
        verify = os.environ.get("JWT_PUBLIC_KEY")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            token = jwt.encode(
                {"sub": "app", "exp": int(time.time()) + 900}, key, algorithm=algorithm
            )
            if verify is not None:
                jwt.decode(token, verify, algorithms=[algorithm])
        except Exception as error:  # the app would crash here
            print(f"refused {type(error).__name__}: {error}")
            return
    if caught:
        print(f"warned {caught[0].category.__name__}: {caught[0].message}")
    else:
        print("ok")


main()
