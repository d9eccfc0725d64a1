{#- The name in `candidates` closest to `name` by edit distance (insertions, deletions,
    substitutions), if it is within a third of the name's length (at least 2 edits); else none.
    For "did you mean" hints on misspelled vars and keys. -#}
{% macro audience_closest_name(name, candidates) -%}
    {%- set best = namespace(name=none, distance=1000) -%}
    {%- for candidate in candidates | sort -%}
        {%- set distance = audience_edit_distance(name, candidate) -%}
        {%- if distance < best.distance -%}
            {%- set best.name, best.distance = candidate, distance -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(best.name if best.distance <= [2, (name | length) // 3] | max else none) }}
{%- endmacro %}


{#- Levenshtein distance between two strings, row by row. -#}
{% macro audience_edit_distance(left, right) -%}
    {%- set state = namespace(previous=range((right | length) + 1) | list) -%}
    {%- for left_char in left -%}
        {%- set current = [loop.index] -%}
        {%- for right_char in right -%}
            {%- do current.append([
                state.previous[loop.index] + 1,
                current[loop.index0] + 1,
                state.previous[loop.index0] + (0 if left_char == right_char else 1)] | min) -%}
        {%- endfor -%}
        {%- set state.previous = current -%}
    {%- endfor -%}
    {{ return(state.previous[-1]) }}
{%- endmacro %}
