"""A content-addressed cache of parse results, safe to lose, never a reason to fail a scan.

Entries are pickles named by a SHA-256 key over everything that determines them: the bytes
of the files read, the options, and the versions of iacjit, Python and the parsing libraries
(a new version never reads an old entry).  An entry that cannot be read, fails its check or
does not unpickle is a miss and is deleted; a cache that cannot be written is silently skipped.

Integrity (docs/security.md): whoever can write an entry could otherwise run code in the next
scan (unpickling calls what the pickle names) or hide a finding (an entry with none).  So every
entry is authenticated with an HMAC-SHA-256 over its key and bytes, keyed by a random secret
that iacjit creates once per cache directory, readable by its owner only (``secret``, 0600):
an entry written without the secret, or copied under another key, is never unpickled.  The
unpickler also resolves only iacjit's own classes and plain data types (defence in depth).
Entries are 0600 and directories 0700.

Location: ``$IACJIT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/iacjit``, else
``~/.cache/iacjit``: outside the scanned repository on purpose.  A directory that other users
can write, or that belongs to another user, is not used.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import io
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

FORMAT = 3
_MAGIC = b"IACJITC3"
_DIGEST = 32  # SHA-256 of the payload, after the magic (with SHA-NI, twice blake2b's speed)
_SECRET_NAME = "secret"
_SECRET_BYTES = 32


def default_directory() -> Path:
    explicit = os.environ.get("IACJIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "iacjit"


_LIBRARIES = ("iacjit", "python-hcl2", "lark", "PyYAML")
_VERSIONS: str | None = None


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def installed_versions(distributions: tuple[str, ...]) -> dict[str, str]:
    """Versions of installed *distributions* from their ``NAME-VERSION.dist-info`` (or
    ``.egg-info``) directory names, found along ``sys.path`` as importlib.metadata finds them
    ("-" when not installed).  Listing the directories takes a millisecond; importing
    importlib.metadata alone takes 25 ms, a tenth of a warm scan."""
    wanted = {_normalise(d): d for d in distributions}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for item in names:
            stem, dot, suffix = item.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            name, dash, version = stem.partition("-")
            distribution = wanted.get(_normalise(name))
            if distribution is not None and dash and distribution not in found:
                found[distribution] = version
        if len(found) == len(wanted):
            break
    return {d: found.get(d, "-") for d in distributions}


def versions() -> str:
    """iacjit, Python and parser library versions: part of every key."""
    global _VERSIONS
    if _VERSIONS is None:
        from iacjit import __version__

        _VERSIONS = "|".join([f"format={FORMAT}", f"iacjit-module={__version__}",
                              f"python={sys.version}", f"source={_source_stamp()}"]
                             + [f"{d}={v}" for d, v in installed_versions(_LIBRARIES).items()])
    return _VERSIONS


def _source_stamp() -> str:
    """Count and newest modification time of iacjit's own modules: a development checkout
    (or an in-place reinstall without a version change) never reads entries of other code."""
    newest, count = 0, 0
    stack = [Path(__file__).resolve().parent.parent]  # the iacjit package
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                stack.append(Path(entry.path))
            elif entry.name.endswith((".py", ".yaml")):
                try:
                    newest = max(newest, entry.stat().st_mtime_ns)
                except OSError:
                    continue
                count += 1
    return f"{count}:{newest}"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_key(*parts: Any) -> str:
    """One key from the versions and *parts* (str, bytes, or anything with a stable repr)."""
    h = hashlib.sha256(versions().encode())
    for part in parts:
        if isinstance(part, bytes):
            raw = part
        elif isinstance(part, str):
            raw = part.encode("utf-8", "surrogatepass")
        else:
            raw = repr(part).encode("utf-8", "surrogatepass")
        h.update(len(raw).to_bytes(8, "little"))
        h.update(raw)
    return h.hexdigest()


def _usable(directory: Path) -> bool:
    """Create *directory* if needed; refuse one that others can write or that is not ours."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = directory.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _secret(root: Path) -> bytes | None:
    """The cache directory's HMAC key: read, or created once (0600, random) when missing.

    A key file that is a link, not a regular file, not ours or readable by others is not
    used (None: the cache is off).  Creation links a complete temporary file into place, so
    concurrent scans agree on one key and never read half of one.
    """
    path = root / _SECRET_NAME
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            _create_secret(path)
            continue
        except OSError:
            return None
        try:
            info = os.fstat(descriptor)
            data = os.read(descriptor, _SECRET_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(descriptor)
        mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
        private = not info.st_mode & 0o077
        if stat.S_ISREG(info.st_mode) and mine and private and len(data) == _SECRET_BYTES:
            return data
        return None
    return None


def _create_secret(path: Path) -> None:
    temporary = path.with_name(f".{_SECRET_NAME}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(os.urandom(_SECRET_BYTES))
        os.link(temporary, path)  # fails when another scan created it first: theirs wins
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _seal(secret: bytes, key: str, data: bytes) -> bytes:
    return hmac.new(secret, key.encode("ascii") + b"\0" + data, hashlib.sha256).digest()


class Cache:
    """Get and put pickled values by key below one directory, authenticated by its secret."""

    def __init__(self, directory: Path | None = None):
        self.root = directory or default_directory()
        self.directory = self.root / f"v{FORMAT}"
        self.enabled = _usable(self.root)
        self._secret = _secret(self.root) if self.enabled else None
        self.enabled = self._secret is not None
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def get(self, key: str, count: bool = True) -> Any | None:
        """The value stored under *key*, or None (missing, unreadable or corrupt).

        *count*: whether hits and misses are counted (not for bookkeeping entries)."""
        hits, misses = self.hits, self.misses
        try:
            return self._get(key)
        finally:
            if not count:
                self.hits, self.misses = hits, misses

    def _get(self, key: str) -> Any | None:
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            stored = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        seal, data = stored[:_DIGEST], stored[_DIGEST:]
        authentic = hmac.compare_digest(seal, _seal(self._secret, key, data))  # type: ignore[arg-type]
        value = decode(data) if authentic else None
        if value is None:
            self.misses += 1
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        if self.enabled:
            data = encode(value)
            if data is not None:
                self.put_encoded(key, data)

    def put_encoded(self, key: str, data: bytes) -> None:
        """Store bytes made by :func:`encode` (written atomically: never half an entry)."""
        if not self.enabled:
            return
        path = self._path(key)
        temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(mode=0o700, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                                 | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(_seal(self._secret, key, data))  # type: ignore[arg-type]
                handle.write(data)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()


def encode(value: Any) -> bytes | None:
    """Magic, checksum and pickle of *value*; None when it cannot be pickled."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - deep or odd values are simply not cached
        return None
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def decode(data: bytes) -> Any | None:
    """The value in bytes made by :func:`encode`; None when they are not such bytes."""
    head = len(_MAGIC) + _DIGEST
    if len(data) <= head or not data.startswith(_MAGIC):
        return None
    payload = data[head:]
    if hashlib.sha256(payload).digest() != data[len(_MAGIC):head]:
        return None
    enabled = gc.isenabled()
    gc.disable()  # unpickling many small objects is ~10x faster without collections
    try:
        return _DataUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - a corrupt entry is a miss
        return None
    finally:
        if enabled:
            gc.enable()


_PLAIN = {("builtins", n) for n in ("set", "frozenset", "complex", "bytearray", "slice",
                                     "range")} | {
    ("collections", "OrderedDict"), ("collections", "defaultdict"), ("collections", "deque"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("decimal", "Decimal"), ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"), ("pathlib", "PurePosixPath"), ("pathlib", "Path")}


class _DataUnpickler(pickle.Unpickler):
    """Resolves only classes defined in iacjit's own modules and a few plain data types, so
    even a pickle that passed the HMAC cannot name ``os.system`` or ``builtins.eval``."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PLAIN:
            return super().find_class(module, name)
        if (module == "iacjit" or module.startswith("iacjit.")) and "." not in name:
            value = getattr(sys.modules.get(module) or __import__(module, fromlist=["_"]),
                            name, None)
            if isinstance(value, type) and value.__module__ == module:
                return value
        raise pickle.UnpicklingError(f"{module}.{name} is not data")
