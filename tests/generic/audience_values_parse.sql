{#- For a raw (source) column: rows whose non-empty value does not parse as `type`. Used with
    severity warn on optional columns, whose unparseable values staging turns into NULL. -#}
{% test audience_values_parse(model, column_name, type) %}

select {{ column_name }}
from {{ model }}
where
    nullif(trim(cast({{ column_name }} as varchar)), '') is not null
    and try_cast(trim(cast({{ column_name }} as varchar)) as {{ type }}) is null

{% endtest %}
