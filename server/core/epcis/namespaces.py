"""JSON-LD namespaces of EPCIS 2.0 documents: what a ``@context`` declares, and key checks.

EPCIS 2.0 JSON (schema ``vocab-uri`` property names) lets a document carry its own fields
(user extensions, ``ilmd`` master data, custom event types) only as IRIs: a full URI, or a
compact IRI ``prefix:name`` whose prefix a ``@context`` declares. A key outside both would
be dropped by JSON-LD processing, so it is refused. No context is ever fetched: the
standard EPCIS context (named by URL) is known to declare `STANDARD_PREFIXES`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from server.core.epcis.fields import Issue

# The prefixes of the EPCIS 2.0 standard context (ref.gs1.org/standards/epcis/2.0.0/
# epcis-context.jsonld). ``cbvmda`` is written as its XML namespace, without the colon,
# so that JSON and XML hash alike, as the reference event-hash implementation does.
STANDARD_PREFIXES = {
    "gs1": "https://gs1.org/voc/",
    "cbv": "https://ref.gs1.org/cbv/",
    "epcis": "https://ref.gs1.org/epcis/",
    "cbvmda": "urn:epcglobal:cbv:mda",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}


def context_terms(*contexts: Any) -> dict[str, str]:
    """Return the terms and prefixes the contexts define (later ones win), as name -> IRI."""
    terms: dict[str, str] = {}
    for context in contexts:
        for item in context if isinstance(context, list) else [context]:
            if isinstance(item, dict):
                terms.update(
                    (name, iri)
                    for name, iri in item.items()
                    if isinstance(iri, str) and not name.startswith("@")
                )
    return terms


def declared_names(*contexts: Any) -> frozenset[str]:
    """Return every name a key may start with: standard prefixes and the contexts' terms."""
    return frozenset(STANDARD_PREFIXES) | frozenset(context_terms(*contexts))


def is_declared_iri(name: str, declared: frozenset[str]) -> bool:
    """Tell whether `name` is a full URI, a compact IRI of a declared prefix, or a term."""
    if name.startswith(("http://", "https://", "urn:")):
        return True
    prefix, sep, local = name.partition(":")
    return (bool(sep) and bool(local) and prefix in declared) or (not sep and name in declared)


def check_extension(value: Any, path: str, declared: frozenset[str], out: list[Issue]) -> None:
    """Check the keys inside an extension's value (nested objects and lists of them)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):  # a scalar has no keys to check
                check_extension(item, f"{path}[{i}]", declared, out)
    elif isinstance(value, dict):
        check_keys(value, path, declared, (), out)


def check_keys(
    fields: dict[str, Any],
    path: str,
    declared: frozenset[str],
    standard: Collection[str],
    out: list[Issue],
    what: str = "this element",
) -> None:
    """Check that every key of `fields` outside `standard` is a declared IRI, recursively."""
    for key, value in fields.items():
        if key in standard or key.startswith("@"):
            continue
        if ":" not in key and key not in declared:
            out.append(
                Issue(
                    f"{path}.{key}",
                    f"is not a field of {what}: an extension needs a namespace prefix "
                    "the @context declares (ex:name) or a full URI",
                )
            )
        elif not is_declared_iri(key, declared):
            prefix = key.partition(":")[0]
            out.append(
                Issue(
                    f"{path}.{key}",
                    f"uses the namespace prefix `{prefix}:` that no @context declares: add "
                    f'{{"{prefix}": "https://…/"}} to the document\'s @context or write a full URI',
                )
            )
        if isinstance(value, dict | list):  # a scalar has no keys to check
            check_extension(value, f"{path}.{key}", declared, out)
