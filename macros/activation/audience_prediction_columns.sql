{#- The declared propensity predictions of an entity (customer or lead), in declaration order:
    each becomes <prediction>_probability, _decile, _band and _reason_1.._3 columns of that
    entity's audience attributes. -#}
{% macro audience_entity_predictions(entity) -%}
    {%- set names = [] -%}
    {%- for declaration in audience_setting('audience__predictions') if declaration.get('entity') == entity -%}
        {%- do names.append(declaration['name']) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- The select list of one row per entity from a score mart (customer_scores, lead_scores, grouped
    by the entity id): every declared prediction's probability, decile, band and top reasons as
    columns named after it. -#}
{% macro audience_prediction_columns(predictions) -%}
    {%- set columns = [] -%}
    {%- for part, data_type in [('probability', 'double'), ('decile', 'integer'), ('band', 'varchar'),
        ('reason_1_feature', 'varchar'), ('reason_2_feature', 'varchar'), ('reason_3_feature', 'varchar')] -%}
        {%- set renamed = {} -%}
        {%- for prediction in predictions -%}
            {%- do renamed.update({prediction: prediction ~ '_' ~ part | replace('_feature', '')}) -%}
        {%- endfor -%}
        {%- do columns.append(audience_state_pivot(predictions, part, data_type, renamed, name_column='prediction')) -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{%- endmacro %}
