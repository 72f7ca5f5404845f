"""schemathesis hooks: a schema-valid case sends a `cursor` only as the server issued it.

A cursor is the `next_cursor` of a page, bound to that page's sort and filters (and, for a
history, to its resource); any other string is answered 400. No schema can list the strings a
server issued, so without this hook schema-valid cases would carry made-up cursors. Cases meant
to be refused keep theirs.
"""

import threading

import schemathesis

# Per list, the query parameters its cursors are bound to (`limit` is not one of them); a
# history's cursors are bound to its path's id as well.
BOUND = {
    "/actors": (
        "sort", "q", "gender", "min_age", "max_age",
        "skill", "language", "union", "playing_age", "min_height", "max_height",
    ),
    "/movies": ("sort", "q", "released_after", "released_before"),
    "/actors/{id}/history": (),
    "/movies/{id}/history": (),
    "/roles/{id}/history": (),
    "/sessions/{id}/history": (),
    "/roles/{id}/candidates": ("sort", "q", "status", "rank"),
    "/actors/{id}/candidacies": (),
}

# (path, cursor) -> the bound query and path parameters of the request whose page carried it.
_issued: dict[tuple[str, str], tuple[dict[str, str], dict[str, object]]] = {}
_lock = threading.Lock()


@schemathesis.hook
def after_call(ctx, case, response):
    bound = BOUND.get(case.operation.path)
    if bound is None or case.method.upper() != "GET" or response.status_code != 200:
        return
    try:
        cursor = response.json().get("next_cursor")
    except ValueError:
        return
    if isinstance(cursor, str):
        query = case.query or {}
        bound_query = {name: query[name] for name in bound if name in query}
        with _lock:
            _issued[(case.operation.path, cursor)] = (bound_query, dict(case.path_parameters or {}))


@schemathesis.hook
def map_case(ctx, case):
    bound = BOUND.get(case.operation.path)
    query = case.query
    if bound is None or not query or "cursor" not in query:
        return case
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    with _lock:
        issued = _issued.get((case.operation.path, query["cursor"]))
    if issued is None:
        # Made up: the case goes on as a first page.
        del query["cursor"]
    else:
        # Issued: send it with the sort, filters and resource it belongs to.
        bound_query, path_parameters = issued
        for name in bound:
            query.pop(name, None)
        query.update(bound_query)
        if path_parameters:
            case.path_parameters = dict(path_parameters)
    return case
