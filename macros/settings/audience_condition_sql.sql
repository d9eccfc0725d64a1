{#- A user's condition (a prediction's label, population or filter, a lookalike seed, an audience
    rule) parsed and rendered as SQL that can only filter rows. The grammar, case-insensitive:

        condition  := and_expr ("or" and_expr)*
        and_expr   := not_expr ("and" not_expr)*
        not_expr   := "not" not_expr | "(" condition ")" | predicate
        predicate  := operand (("=" | "<>" | "!=" | "<" | "<=" | ">" | ">=") operand
                               | "is" ["not"] "null"
                               | ["not"] "in" "(" literal ("," literal)* ")"
                               | ["not"] "between" literal "and" literal
                               | ["not"] "like" text)
                    | boolean column | true | false
        operand    := column | literal          literal := number | -number | 'text' | true | false

    Nothing else is accepted: no functions, arithmetic, subqueries, comments, quoted identifiers
    or semicolons. Each column is checked against `columns` ({lowercase name: DuckDB type}; none
    when the relation does not exist yet: names are then only checked for their form) and quoted
    with the adapter's quoting; text literals are re-escaped; a comparison between different kinds
    (a number with text, say) is refused. A date or timestamp column compares with 'YYYY-MM-DD'
    text. Errors name `where` (the prediction or audience and the key) and the offending part.
    Returns the rendered SQL, parenthesized. -#}
{% macro audience_condition_sql(text, columns=none, where='condition') -%}
    {%- if text is not string or text | trim == '' -%}
        {{ exceptions.raise_compiler_error(where ~ ": expected a condition (text), got " ~ (text | tojson)) }}
    {%- endif -%}
    {%- set state = namespace(tokens=audience_condition_tokens(text, where), position=0, text=text, where=where) -%}
    {%- set parsed = audience_condition_or(state, columns) -%}
    {%- if state.position < state.tokens | length -%}
        {{ audience_condition_error(state, 'unexpected') }}
    {%- endif -%}
    {%- if parsed['kind'] not in ['boolean', 'unknown'] -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": '" ~ text ~ "' is a " ~ parsed['kind'] ~ " value, not a condition (compare it, e.g. "
            ~ parsed['sql'] ~ " = 1)") }}
    {%- endif -%}
    {{ return('(' ~ parsed['sql'] ~ ')') }}
{%- endmacro %}


{#- The tokens of a condition: [{type: number | text | word | symbol, value, start}]. -#}
{% macro audience_condition_tokens(text, where) -%}
    {%- set pattern = modules.re.compile(
        "\\s*(?:(?P<number>[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?![A-Za-z_0-9]))"
        ~ "|(?P<text>'(?:[^']|'')*')"
        ~ "|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
        ~ "|(?P<symbol><=|>=|<>|!=|=|<|>|\\(|\\)|,|-))") -%}
    {%- set state = namespace(position=0) -%}
    {%- set tokens = [] -%}
    {%- for match in pattern.finditer(text) -%}
        {%- if match.start() != state.position -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": cannot read '" ~ text[state.position:state.position + 20] ~ "' in '" ~ text
                ~ "' (allowed: column names, numbers, 'text', comparisons, and/or/not, in, between,"
                ~ " like, is [not] null, parentheses)") }}
        {%- endif -%}
        {%- set state.position = match.end() -%}
        {%- set type = match.lastgroup -%}
        {%- set value = match.group(type) -%}
        {%- do tokens.append({
            'type': type,
            'value': (value | lower) if type == 'word' else value,
            'start': match.start(type)}) -%}
    {%- endfor -%}
    {%- if text[state.position:] | trim != '' -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": cannot read '" ~ text[state.position:state.position + 20] ~ "' in '" ~ text
            ~ "' (allowed: column names, numbers, 'text', comparisons, and/or/not, in, between,"
            ~ " like, is [not] null, parentheses)") }}
    {%- endif -%}
    {{ return(tokens) }}
{%- endmacro %}


{% macro audience_condition_error(state, problem) -%}
    {%- if state.position < state.tokens | length -%}
        {%- set token = state.tokens[state.position] -%}
        {%- set found = "'" ~ state.text[token['start']:] ~ "'" -%}
    {%- else -%}
        {%- set found = 'the end' -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(state.where ~ ": " ~ problem ~ " at " ~ found ~ " in '" ~ state.text ~ "'") }}
{%- endmacro %}


{% macro audience_condition_peek(state, offset=0) -%}
    {%- if state.position + offset < state.tokens | length -%}
        {{ return(state.tokens[state.position + offset]) }}
    {%- endif -%}
    {{ return({'type': 'end', 'value': none}) }}
{%- endmacro %}


{#- Consumes the next token when it is the word or symbol `value`; returns whether it did. -#}
{% macro audience_condition_accept(state, value) -%}
    {%- set token = audience_condition_peek(state) -%}
    {%- if token['type'] in ['word', 'symbol'] and token['value'] == value -%}
        {%- set state.position = state.position + 1 -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}


{% macro audience_condition_expect(state, value) -%}
    {%- if not audience_condition_accept(state, value) -%}
        {{ audience_condition_error(state, "expected '" ~ value ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{% macro audience_condition_or(state, columns) -%}
    {%- set parts = [audience_condition_and(state, columns)] -%}
    {%- for _ in range(1000) if audience_condition_accept(state, 'or') -%}
        {%- do parts.append(audience_condition_and(state, columns)) -%}
    {%- endfor -%}
    {{ return(audience_condition_join(state, parts, ' or ')) }}
{%- endmacro %}


{% macro audience_condition_and(state, columns) -%}
    {%- set parts = [audience_condition_not(state, columns)] -%}
    {%- for _ in range(1000) if audience_condition_accept(state, 'and') -%}
        {%- do parts.append(audience_condition_not(state, columns)) -%}
    {%- endfor -%}
    {{ return(audience_condition_join(state, parts, ' and ')) }}
{%- endmacro %}


{#- One part alone keeps its kind; several must each be conditions. -#}
{% macro audience_condition_join(state, parts, operator) -%}
    {%- if parts | length == 1 -%}{{ return(parts[0]) }}{%- endif -%}
    {%- for part in parts if part['kind'] not in ['boolean', 'unknown'] -%}
        {{ exceptions.raise_compiler_error(
            state.where ~ ": " ~ part['sql'] ~ " is a " ~ part['kind'] ~ " value, not a condition, in '"
            ~ state.text ~ "'") }}
    {%- endfor -%}
    {{ return({'sql': parts | map(attribute='sql') | join(operator), 'kind': 'boolean'}) }}
{%- endmacro %}


{% macro audience_condition_not(state, columns) -%}
    {%- if audience_condition_accept(state, 'not') -%}
        {%- set inner = audience_condition_not(state, columns) -%}
        {{ audience_condition_join(state, [inner, inner], ' ') }}
        {{ return({'sql': 'not ' ~ inner['sql'], 'kind': 'boolean'}) }}
    {%- endif -%}
    {%- if audience_condition_peek(state)['value'] == '(' -%}
        {%- set state.position = state.position + 1 -%}
        {%- set inner = audience_condition_or(state, columns) -%}
        {{ audience_condition_expect(state, ')') }}
        {{ return({'sql': '(' ~ inner['sql'] ~ ')', 'kind': inner['kind']}) }}
    {%- endif -%}
    {{ return(audience_condition_predicate(state, columns)) }}
{%- endmacro %}


{% macro audience_condition_predicate(state, columns) -%}
    {%- set left = audience_condition_operand(state, columns) -%}
    {%- set token = audience_condition_peek(state) -%}
    {%- set negated = token['value'] == 'not' and audience_condition_peek(state, 1)['value'] in ['in', 'between', 'like'] -%}
    {%- if negated -%}{%- set state.position = state.position + 1 -%}{%- set token = audience_condition_peek(state) -%}{%- endif -%}
    {%- set prefix = 'not ' if negated else '' -%}
    {%- if token['type'] == 'symbol' and token['value'] in ['=', '<>', '!=', '<', '<=', '>', '>='] -%}
        {%- set state.position = state.position + 1 -%}
        {%- set right = audience_condition_operand(state, columns) -%}
        {%- set pair = audience_condition_compatible(state, left, right) -%}
        {{ return({'sql': pair[0] ~ ' ' ~ ('<>' if token['value'] == '!=' else token['value']) ~ ' ' ~ pair[1], 'kind': 'boolean'}) }}
    {%- elif token['value'] == 'is' -%}
        {%- set state.position = state.position + 1 -%}
        {%- set is_not = audience_condition_accept(state, 'not') -%}
        {{ audience_condition_expect(state, 'null') }}
        {{ return({'sql': left['sql'] ~ (' is not null' if is_not else ' is null'), 'kind': 'boolean'}) }}
    {%- elif token['value'] == 'in' -%}
        {%- set state.position = state.position + 1 -%}
        {{ audience_condition_expect(state, '(') }}
        {%- set items = [] -%}
        {%- for _ in range(10000) if not items or audience_condition_accept(state, ',') -%}
            {%- set item = audience_condition_literal(state) -%}
            {%- do items.append(audience_condition_compatible(state, left, item)[1]) -%}
        {%- endfor -%}
        {{ audience_condition_expect(state, ')') }}
        {{ return({'sql': left['sql'] ~ ' ' ~ prefix ~ 'in (' ~ items | join(', ') ~ ')', 'kind': 'boolean'}) }}
    {%- elif token['value'] == 'between' -%}
        {%- set state.position = state.position + 1 -%}
        {%- set low = audience_condition_compatible(state, left, audience_condition_literal(state))[1] -%}
        {{ audience_condition_expect(state, 'and') }}
        {%- set high = audience_condition_compatible(state, left, audience_condition_literal(state))[1] -%}
        {{ return({'sql': left['sql'] ~ ' ' ~ prefix ~ 'between ' ~ low ~ ' and ' ~ high, 'kind': 'boolean'}) }}
    {%- elif token['value'] == 'like' -%}
        {%- set state.position = state.position + 1 -%}
        {%- set pattern = audience_condition_literal(state) -%}
        {%- if pattern['kind'] != 'text' or left['kind'] not in ['text', 'unknown'] -%}
            {{ audience_condition_error(state, "like compares a text column with 'text'") }}
        {%- endif -%}
        {{ return({'sql': left['sql'] ~ ' ' ~ prefix ~ 'like ' ~ pattern['sql'], 'kind': 'boolean'}) }}
    {%- endif -%}
    {{ return(left) }}
{%- endmacro %}


{#- A column (checked and quoted) or a literal. -#}
{% macro audience_condition_operand(state, columns) -%}
    {%- set token = audience_condition_peek(state) -%}
    {%- if token['type'] == 'word' and token['value'] not in audience_condition_keywords() -%}
        {%- set state.position = state.position + 1 -%}
        {%- if columns is not none and token['value'] not in columns -%}
            {%- set closest = audience_closest_name(token['value'], columns.keys() | list) -%}
            {{ exceptions.raise_compiler_error(
                state.where ~ ": unknown column '" ~ token['value'] ~ "' in '" ~ state.text ~ "'"
                ~ ((" (did you mean '" ~ closest ~ "'?)") if closest else "")) }}
        {%- endif -%}
        {%- set kind = audience_condition_type_kind(columns[token['value']]) if columns is not none else 'unknown' -%}
        {{ return({'sql': adapter.quote(token['value']), 'kind': kind, 'column': true}) }}
    {%- endif -%}
    {{ return(audience_condition_literal(state)) }}
{%- endmacro %}


{% macro audience_condition_literal(state) -%}
    {%- set token = audience_condition_peek(state) -%}
    {%- set negative = token['value'] == '-' -%}
    {%- if negative -%}{%- set state.position = state.position + 1 -%}{%- set token = audience_condition_peek(state) -%}{%- endif -%}
    {%- if token['type'] == 'number' -%}
        {%- set state.position = state.position + 1 -%}
        {{ return({'sql': ('-' if negative else '') ~ token['value'], 'kind': 'number'}) }}
    {%- elif negative -%}
        {{ audience_condition_error(state, 'expected a number after -') }}
    {%- elif token['type'] == 'text' -%}
        {%- set state.position = state.position + 1 -%}
        {%- set value = token['value'][1:-1] | replace("''", "'") -%}
        {{ return({'sql': audience_string_literal(value), 'kind': 'text', 'value': value}) }}
    {%- elif token['value'] in ['true', 'false'] -%}
        {%- set state.position = state.position + 1 -%}
        {{ return({'sql': token['value'], 'kind': 'boolean'}) }}
    {%- endif -%}
    {{ audience_condition_error(state, 'expected a column, a number or a quoted text') }}
{%- endmacro %}


{#- The two sides of a comparison as SQL, when their kinds can be compared: same kind, or a date /
    timestamp with 'YYYY-MM-DD[ HH:MM:SS]' text (rendered as a typed literal). -#}
{% macro audience_condition_compatible(state, left, right) -%}
    {%- set kinds = [left['kind'], right['kind']] -%}
    {%- if 'unknown' in kinds or left['kind'] == right['kind'] -%}
        {{ return([left['sql'], right['sql']]) }}
    {%- endif -%}
    {%- for time_side, text_side in [(left, right), (right, left)] -%}
        {%- if time_side['kind'] in ['date', 'timestamp'] and text_side['kind'] == 'text' and text_side.get('value') is not none -%}
            {%- set instant = audience_parse_timestamp(state.where, text_side['value']) -%}
            {%- set typed = 'cast(' ~ audience_string_literal(instant) ~ ' as timestamp)' -%}
            {{ return([left['sql'], typed] if time_side is sameas left else [typed, right['sql']]) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        state.where ~ ": cannot compare " ~ left['sql'] ~ " (" ~ left['kind'] ~ ") with "
        ~ right['sql'] ~ " (" ~ right['kind'] ~ ") in '" ~ state.text ~ "'") }}
{%- endmacro %}


{% macro audience_condition_keywords() -%}
    {{ return(['and', 'or', 'not', 'is', 'null', 'in', 'between', 'like', 'true', 'false']) }}
{%- endmacro %}


{#- number, text, boolean, date, timestamp or other, for a DuckDB column type. -#}
{% macro audience_condition_type_kind(data_type) -%}
    {%- set type = data_type | upper -%}
    {%- if type in ['BOOLEAN', 'BOOL'] -%}{{ return('boolean') }}
    {%- elif type in ['VARCHAR', 'TEXT', 'STRING'] or type.startswith('VARCHAR') or type.startswith('ENUM') -%}{{ return('text') }}
    {%- elif type == 'DATE' -%}{{ return('date') }}
    {%- elif type.startswith('TIMESTAMP') -%}{{ return('timestamp') }}
    {%- elif modules.re.match('^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)\\Z', type) -%}{{ return('number') }}
    {%- endif -%}
    {{ return('other') }}
{%- endmacro %}
