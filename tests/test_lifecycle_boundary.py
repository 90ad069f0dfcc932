"""Only ``jobs/lifecycle/`` writes the state of queued work (DESIGN.md "The job lifecycle").

An AST scan of every module of the repository (tests and benchmarks, which build
fixtures, aside)
finds each write of a lifecycle field of TranscriptionJob, TranscriptionChunk or
TranslationJob: ``.update(field=…)``, ``.create(field=…)`` or a model built with it,
``obj.field = …``, ``setattr(obj, "field", …)`` and ``save(update_fields=[…])``.
Fields no other model has (``lease_expires_at``, ``retry_at``, ``parked_*``, …) are
flagged on any receiver; ``status``, ``started_at``, ``finished_at`` and ``attempts``,
which deliveries, holds and order callbacks have too, when the receiver names one of
the three models (or a related manager of them: ``.jobs``, ``.chunks``,
``.translations``) or, for attributes, an object called job/chunk/translation. The
self-tests below prove the scan catches each form of write.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIFECYCLE = ROOT / "jobs" / "lifecycle"
# Fixtures set whatever state a test (or a benchmark's seeded data) starts from; they
# are not the product's writes.
NOT_SCANNED = {"tests", "bench", ".venv", "var", "test-artifacts", "node_modules", "migrations"}

ONLY_LIFECYCLE_MODELS = frozenset(
    {
        "progress",
        "chunks_done",
        "lease_expires_at",
        "job_attempt",
        "retry_at",
        "parked_provider",
        "parked_reference",
        "parked_position",
        "parked_at",
        "parked_polled_at",
        "parked_seconds",
    }
)
# ``attempts`` is also an order callback's count of tries (orders.OrderCallback).
SHARED_WITH_OTHER_MODELS = frozenset({"status", "started_at", "finished_at", "attempts"})
PROTECTED = ONLY_LIFECYCLE_MODELS | SHARED_WITH_OTHER_MODELS

MODEL_RECEIVER = re.compile(
    r"\b(TranscriptionJob|TranscriptionChunk|TranslationJob)\b|\.(jobs|chunks|translations)\b"
)
WORK_OBJECT = re.compile(r"job|chunk|translation|target", re.IGNORECASE)
WRITE_CALLS = {"update", "create", "get_or_create", "update_or_create"}
MODELS = {"TranscriptionJob", "TranscriptionChunk", "TranslationJob"}


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _flagged(field: str, receiver: str, pattern: re.Pattern[str]) -> bool:
    if field in ONLY_LIFECYCLE_MODELS:
        return True
    return field in SHARED_WITH_OTHER_MODELS and bool(pattern.search(receiver))


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def lifecycle_writes(source: str, path: str = "<snippet>") -> list[Write]:
    """Every write of a lifecycle field in ``source``."""
    found: list[Write] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for item in ast.walk(target):
                    if isinstance(item, ast.Attribute) and _flagged(
                        item.attr, ast.unparse(item.value), WORK_OBJECT
                    ):
                        found.append(Write(path, node.lineno, f"assigns .{item.attr}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if (
                isinstance(name, ast.Constant)
                and name.value in PROTECTED
                and _flagged(str(name.value), ast.unparse(node.args[0]), WORK_OBJECT)
            ):
                found.append(Write(path, node.lineno, f"setattr {name.value}"))
            continue
        if isinstance(func, ast.Name) and func.id in MODELS:
            receiver, method = func.id, func.id
        elif isinstance(func, ast.Attribute):
            receiver, method = ast.unparse(func.value), func.attr
        else:
            continue
        if method in WRITE_CALLS or method in MODELS:
            for keyword in node.keywords:
                if keyword.arg is None:
                    # ``update(**fields)``: unknowable fields on one of the models.
                    if MODEL_RECEIVER.search(receiver) and method == "update":
                        found.append(Write(path, node.lineno, f"{method}(**…) on {receiver}"))
                elif _flagged(keyword.arg, receiver, MODEL_RECEIVER):
                    found.append(Write(path, node.lineno, f"{method}({keyword.arg}=…)"))
        if method in {"save", "bulk_update"}:
            fields = [k.value for k in node.keywords if k.arg in {"update_fields", "fields"}]
            fields += node.args[1:] if method == "bulk_update" else []
            for field in (s for f in fields for s in _strings(f)):
                pattern = MODEL_RECEIVER if method == "bulk_update" else WORK_OBJECT
                if field in PROTECTED and _flagged(field, receiver, pattern):
                    found.append(Write(path, node.lineno, f"{method} of {field}"))
    return found


def _modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not NOT_SCANNED.intersection(path.relative_to(ROOT).parts)
        and LIFECYCLE not in path.parents
    ]


def test_no_module_outside_the_lifecycle_writes_status_lease_attempts_or_parking():
    modules = _modules()
    assert len(modules) > 100  # the scan really walks the repository
    writes = [
        write
        for path in modules
        for write in lifecycle_writes(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert writes == [], "\n".join(map(str, writes))


def test_the_lifecycle_itself_is_seen_writing_so_the_scan_would_see_others():
    writes = [
        write for path in LIFECYCLE.glob("*.py") for write in lifecycle_writes(path.read_text())
    ]
    kinds = {write.what for write in writes}
    assert {"update(status=…)", "update(lease_expires_at=…)", "update(retry_at=…)"} <= kinds
    assert "update(parked_reference=…)" in kinds


def test_the_scan_catches_every_form_of_write():
    snippet = """
TranscriptionJob.objects.filter(pk=1).update(status="failed")
job.chunks.filter(index=2).update(status="queued")
TranslationJob.objects.filter(pk=1).update(**fields)
Anything.objects.filter(pk=1).update(lease_expires_at=None)
qs.update(retry_at=now)
job.status = "completed"
chunk.attempts += 1
translation.finished_at = now
setattr(job, "status", "failed")
job.save(update_fields=["status", "finished_at"])
TranscriptionChunk.objects.bulk_update(rows, ["parked_reference"])
TranslationJob.objects.create(status="failed", words=3)
TranscriptionChunk(job=job, index=0, status="skipped")
"""
    lines = sorted({write.line for write in lifecycle_writes(snippet)})
    assert lines == list(range(2, 15))


def test_the_scan_leaves_other_models_and_other_fields_alone():
    snippet = """
Delivery.objects.filter(pk=1).update(status="succeeded", finished_at=now)
Hold.objects.filter(reference=ref).update(status="released")
delivery.status = "failed"
hold.save(update_fields=["status"])
TranscriptionJob.objects.filter(pk=1).update(media="", media_deleted_at=now)
job.chunks.exclude(media="").update(media="")
TranscriptionJob.objects.filter(status="queued").count()
Response(body, status=201)
"""
    assert lifecycle_writes(snippet) == []


def _imports(source: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_webhooks_app_does_not_import_jobs():
    """Jobs builds its events' payloads and hands webhooks plain dicts."""
    imports = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "webhooks").rglob("*.py")
        if "migrations" not in path.parts
        for name in _imports(path.read_text())
        if name == "jobs" or name.startswith("jobs.")
    }
    assert imports == set()
    assert _imports("from jobs.models import TranscriptionJob") == ["jobs.models"]
