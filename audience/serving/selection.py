"""Which relations are published, read from the dbt manifest (never a list kept by hand).

Published: every model with an enforced contract or `access: public` (the public marts), every
model whose `meta` says `serving: true` (dbt_project.yml sets it on the as-of feature tables and
staging.rejected_rows; the training snapshots opt out), and every seed. Ephemeral models have no
relation and cannot be published.
"""

from __future__ import annotations

from dataclasses import dataclass

RELATION_TYPES = {"model", "seed", "snapshot"}
TEST_TYPES = {"test", "unit_test"}


@dataclass(frozen=True)
class PublishedRelation:
    unique_id: str
    schema: str
    name: str
    description: str
    column_descriptions: dict[str, str]

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def _meta(node: dict) -> dict:
    return {**(node.get("meta") or {}), **(node.get("config", {}).get("meta") or {})}


def is_published(node: dict) -> bool:
    if node.get("resource_type") == "seed":
        return _meta(node).get("serving") is not False
    if node.get("resource_type") != "model":
        return False
    config = node.get("config", {})
    if config.get("materialized") == "ephemeral":
        return False
    contract = (config.get("contract") or {}).get("enforced", False)
    public = node.get("access") == "public" or config.get("access") == "public"
    return bool(contract or public or _meta(node).get("serving") is True)


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def published_relations(manifest: dict) -> list[PublishedRelation]:
    relations = [
        PublishedRelation(
            unique_id=unique_id,
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            description=_text(node.get("description")),
            column_descriptions={
                name.lower(): _text(column.get("description"))
                for name, column in node.get("columns", {}).items()
                if _text(column.get("description"))
            },
        )
        for unique_id, node in manifest.get("nodes", {}).items()
        if is_published(node)
    ]
    return sorted(relations, key=lambda relation: (relation.schema, relation.name))


def required_nodes(manifest: dict, published: list[PublishedRelation]) -> set[str]:
    """The published relations, every model / seed / snapshot they are built from (ephemeral
    models excepted: they are compiled into others and have no results), and every test of
    any of those."""
    nodes, parents = manifest.get("nodes", {}), manifest.get("parent_map", {})
    built: set[str] = set()
    pending = [relation.unique_id for relation in published]
    while pending:
        unique_id = pending.pop()
        if unique_id in built or unique_id.split(".")[0] not in RELATION_TYPES:
            continue
        built.add(unique_id)
        pending.extend(parents.get(unique_id, []))
    tests = {
        unique_id
        for unique_id, node in {**nodes, **manifest.get("unit_tests", {})}.items()
        if node.get("resource_type") in TEST_TYPES
        and built & set(node.get("depends_on", {}).get("nodes", []))
    }
    ephemeral = {
        unique_id
        for unique_id in built
        if nodes.get(unique_id, {}).get("config", {}).get("materialized") == "ephemeral"
    }
    return (built - ephemeral) | tests
