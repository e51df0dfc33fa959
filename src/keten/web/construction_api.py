"""Dashboard JSON routes of the construction page (``/dashboard/api/construction...``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from keten.errors import KetenError, Problem, ValidationError
from keten.web.api import problem_response, user, writer
from keten.web.app import dashboard
from keten.web.session import Session

router = APIRouter(prefix="/dashboard/api/construction", include_in_schema=False)
MAX_PROJECT_BYTES = 2 << 20


def _demo(tile_url: str | None) -> dict[str, Any]:
    from keten.services.construction import construction
    from keten.web.construction_charts import construction_payload

    return construction_payload(construction(), tile_url)


@router.get("/demo")
async def demo(request: Request, session: Session = Depends(user)) -> Any:
    return await run_in_threadpool(_demo, dashboard(request).tile_url)


@router.get("/demo/imaer.gml")
def demo_imaer(request: Request, scenario: str = "as_planned", year: str = "",
               session: Session = Depends(user)) -> Response:
    from keten.services.construction import construction, write_imaer_file

    try:
        chosen = int(year) if year.strip() else None
    except ValueError:
        return problem_response(ValidationError([Problem("not a year", column="year")]))
    try:
        result = construction(scenarios=[scenario])
        with tempfile.TemporaryDirectory() as tmp:
            path, used = write_imaer_file(result, Path(tmp) / "x.gml", scenario, chosen)
            body = path.read_bytes()
    except KetenError as exc:
        return problem_response(exc)
    return Response(body, media_type="application/gml+xml", headers={
        "Content-Disposition": f'attachment; filename="construction_{scenario}_{used}.gml"'})


@router.post("")
async def upload(request: Request, session: Session = Depends(writer)) -> Any:
    """Run an uploaded project file (multipart field ``project``, YAML or JSON)."""
    form = await request.form()
    upload = form.get("project")
    if not isinstance(upload, UploadFile):
        return problem_response(ValidationError([Problem("upload a project file",
                                                         column="project")]))
    name = Path(upload.filename or "project.yaml").name
    if Path(name).suffix.lower() not in (".yaml", ".yml", ".json"):
        return problem_response(ValidationError([Problem("upload a YAML or JSON file", name)]))
    body = await upload.read(MAX_PROJECT_BYTES + 1)
    if len(body) > MAX_PROJECT_BYTES:
        return problem_response(ValidationError([Problem("the file is larger than 2 MB", name)]))
    tile_url = dashboard(request).tile_url

    def work() -> dict[str, Any]:
        from keten.services.construction import construction
        from keten.web.construction_charts import construction_payload

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(body)
            try:
                result = construction(path)
            except ValidationError as exc:  # name the upload, not the temporary path
                raise ValidationError(
                    [Problem(p.reason, name, p.row, p.column) for p in exc.problems],
                    title=exc.title.replace(str(path), name)) from None
        return construction_payload(result, tile_url)

    try:
        return await run_in_threadpool(work)
    except KetenError as exc:
        return problem_response(exc)
