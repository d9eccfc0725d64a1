"""The SQL a build actually runs, linted: sqlfluff's dbt templater lints what we write, but the
generated SQL (propensity scoring from the model state, segment assignment, the feature and
parsing macros) only exists once the models it reads do, so `make lint` cannot see it. Here the
compiled SQL of every model of a real build is linted with the project's .sqlfluff, for the rules
that judge what a query means rather than how it is laid out."""

from __future__ import annotations

from dbt_runner import PROJECT_DIR
from sqlfluff.core import FluffConfig, Linter

# Layout, capitalisation and quoting are not asked of generated SQL (it is read by DuckDB, not by
# people), nor the styles of dbt's own macros inside it (dbt.dateadd's casts, its NULL literals),
# nor what the linter cannot know about a CTE's columns (AM04: select * of a CTE).
NOT_FOR_GENERATED_SQL = (
    "layout", "CP04", "CP05", "CV11", "RF03", "RF04", "RF06", "AM04", "ST06",
)  # fmt: skip


def test_the_compiled_sql_of_a_build_lints(built):
    compiled = built.target / "compiled" / "audience" / "models"
    # data tests are compiled into folders named after their YAML file
    models = sorted(p for p in compiled.rglob("*.sql") if not p.parent.name.endswith(".yml"))
    assert any(p.name == "int_prediction_scores.sql" for p in models), models
    scoring = next(p for p in models if p.name == "int_prediction_scores.sql").read_text()
    assert "exp(-greatest(" in scoring, "the build did not generate the logistic scoring SQL"
    config = FluffConfig.from_path(
        str(PROJECT_DIR),
        overrides={
            "templater": "raw",
            "exclude_rules": ",".join(NOT_FOR_GENERATED_SQL),
            "large_file_skip_byte_limit": 0,
        },
    )
    # Linted as strings with this config: lint_paths would look for a .sqlfluff beside each
    # compiled file (in the build's temporary folder) and find none.
    linter = Linter(config=config)
    found = [
        f"{path.relative_to(compiled)}:{violation.line_no} {violation.rule_code()}"
        f" {violation.desc()}"
        for path in models
        for violation in linter.lint_string(path.read_text(), fname=str(path)).violations
    ]
    assert not found, "\n".join(found[:40])
